"""Signing in demo accounts through the real form, in a page or in a fresh browser context."""

import re

from playwright.sync_api import expect

from workspace.demo import DEMO_PASSWORD


def sign_in_page(page, account: str) -> None:
    """Signs ``page`` in as a demo account, e.g. "mentor-fuenlabrada", and waits until the
    browser has left the sign-in page."""
    page.goto("/signin")
    page.get_by_label("E-mail address").fill(f"{account}@demo.example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/signin"))


def signed_in(browser, live_server, account: str, **context):
    """A page in its own browser context (a second person), signed in as a demo account."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **context)
    page = context.new_page()
    sign_in_page(page, account)
    return page
