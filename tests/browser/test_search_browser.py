"""Search in a real browser: the header's search box, used from the keyboard, leads to
ranked, highlighted results that pass axe, and the filters narrow them."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Thread

from .test_accessibility import Axe, open_context, sign_in_in

pytestmark = pytest.mark.browser


def _a_word(live_server) -> str:
    """A long word from the title of the first thread of the demo."""
    with live_server.app.app_context():
        title = db.session.scalar(select(Thread.title).order_by(Thread.id))
    return max(re.findall(r"\w+", title), key=len)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_search_from_the_header_by_keyboard(browser, live_server, language):
    word = _a_word(live_server)
    axe = Axe(language)
    context = open_context(browser, live_server, language)
    page = context.new_page()
    sign_in_in(page, "consultant", language)
    box = page.locator("#site-search-q")
    box.focus()
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    results = page.locator(".search-result")
    expect(results.first).to_be_visible()
    expect(page.locator(".search-result mark").first).to_be_visible()
    axe.check(page, "search results")
    # Filter to events only: every result is then an event.
    page.locator("#search-kind").select_option("event")
    page.locator(".search-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"kind=event"))
    for href in page.locator(".search-result__title a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    ):
        assert "/events/" in href
    axe.check(page, "search results, filtered")
    page.goto("/search?q=%22%29%28*NEAR%27--")
    axe.check(page, "search: nothing found")
    context.close()
    axe.assert_clean()
