"""Two editors on one section in a real Chromium, each in their own browser context: they
see each other in the editor; an edit that does not overlap merges (and says so); an
overlapping edit shows both versions and is resolved in the page. Nothing is lost."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.demo import DEMO_PASSWORD
from workspace.models import Plan, SectionKind
from workspace.plans import services

from .accounts import signed_in

pytestmark = pytest.mark.browser

MENTOR, MENTEE = "Lucía Martín", "Eleni Papadopoulou"


@pytest.fixture
def vision(live_server):
    """The demo plan of Fuenlabrada and Livadia (in English) and its vision section."""
    with live_server.app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.title.like("Action plan: decent work%")))
        section = next(s for s in plan.sections if s.kind is SectionKind.VISION)
        body = services.text_for(section, "en").current_revision.body
        return plan.pair_id, plan.id, section.id, body


@pytest.fixture
def other_page(browser, live_server):
    """A second person: their own browser context, signed in as ``account``."""
    contexts = []

    def open_as(account: str):
        page = signed_in(browser, live_server, account)
        contexts.append(page.context)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _edit(page, old: str, new: str):
    text = page.get_by_label("Text", exact=True)
    value = text.input_value()
    assert old in value
    text.fill(value.replace(old, new))


def test_two_editors_merge_then_resolve_a_conflict(page, sign_in, other_page, vision):
    pair_id, plan_id, section_id, body = vision
    editor = f"/pairs/{pair_id}/plans/{plan_id}/sections/{section_id}/edit"
    problems = []
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))

    sign_in("mentor-fuenlabrada")
    page.goto(editor)
    mentee = other_page("mentee-livadia")
    mentee.goto(editor)

    # Each sees the other in the editor (the heartbeat runs on load, then every 10 s).
    expect(mentee.locator("#section-presence")).to_contain_text(
        f"Also editing this section: {MENTOR}", timeout=15_000
    )
    expect(page.locator("#section-presence")).to_contain_text(MENTEE, timeout=15_000)

    # 1. Edits that do not overlap: the mentee changes the first paragraph and saves ...
    _edit(mentee, "By 2025", "By the end of 2025")
    mentee.get_by_role("button", name="Save the section").click()
    expect(mentee.locator(".flashes")).to_contain_text("“Vision and objectives” saved.")
    # ... and when the mentee has left, the mentor's editor no longer lists her.
    expect(page.locator("#section-presence")).not_to_contain_text(MENTEE, timeout=15_000)
    # The mentor, still on the old revision, changes the last objective: merged, and told.
    _edit(page, "workplace language courses.", "workplace language courses in paid time.")
    page.get_by_role("button", name="Save the section").click()
    expect(page.locator(".flashes")).to_contain_text(
        f"{MENTEE} saved “Vision and objectives” while you were editing"
    )
    section = page.locator(f"#section-{section_id}")
    expect(section).to_contain_text("By the end of 2025")
    expect(section).to_contain_text("workplace language courses in paid time.")

    # 2. Overlapping edits: both open the editor, both change the same sentence.
    page.goto(editor)
    mentee.goto(editor)
    _edit(mentee, "two days a week", "three days a week")
    mentee.get_by_role("button", name="Save the section").click()
    expect(mentee.locator(".flashes")).to_contain_text("saved.")
    _edit(page, "two days a week", "two full days a week")
    page.get_by_role("button", name="Save the section").click()

    # The conflict view: their version, the mentor's, the word diff; nothing saved yet.
    expect(page.get_by_role("heading", name=re.compile("Combine two versions"))).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(f"{MENTEE} saved this section")
    theirs = page.locator("section.conflict-version").nth(0)
    mine = page.locator("section.conflict-version").nth(1)
    expect(theirs).to_contain_text("three days a week")
    expect(mine).to_contain_text("two full days a week")
    expect(page.locator(".conflict-diff del").first).to_be_visible()
    text = page.get_by_label("Text", exact=True)
    expect(text).to_have_value(re.compile("two full days a week"))

    # The mentor combines both in the form and saves on top of the mentee's version.
    _edit(page, "two full days a week", "three full days a week")
    page.get_by_role("button", name="Save the combined version").click()
    expect(page.locator(".flashes")).to_contain_text("“Vision and objectives” saved.")
    section = page.locator(f"#section-{section_id}")
    expect(section).to_contain_text("three full days a week")
    expect(section).to_contain_text("By the end of 2025")
    expect(section).to_contain_text("in paid time.")

    # The history lists the merge and the resolution.
    page.goto(f"/pairs/{pair_id}/plans/{plan_id}/sections/{section_id}/history")
    expect(page.get_by_role("cell", name="edited, resolving a conflict")).to_be_visible()
    expect(page.get_by_role("cell", name="edited, merged with a simultaneous edit")).to_be_visible()
    assert problems == []


def test_text_typed_before_the_session_ended_comes_back(page, sign_in, vision):
    pair_id, plan_id, section_id, body = vision
    editor = f"/pairs/{pair_id}/plans/{plan_id}/sections/{section_id}/edit"
    sign_in("mentee-livadia")
    page.goto(editor)
    _edit(page, "By 2025", "By 2026, after a long careful rewrite,")
    page.context.clear_cookies()  # the session ends while she types

    page.get_by_role("button", name="Save the section").click()
    # Not saved, not lost: the text is on the page and kept in the browser.
    expect(page.get_by_role("heading", name="Your text was not saved yet")).to_be_visible()
    expect(page.locator("#rescued-body")).to_have_value(re.compile("after a long careful"))

    page.get_by_role("link", name="Sign in and continue editing").click()
    page.get_by_label("E-mail address").fill("mentee-livadia@demo.example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(editor) + "$"))
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    expect(page.get_by_label("Text", exact=True)).to_have_value(
        re.compile("By 2026, after a long careful rewrite,")
    )
    page.get_by_role("button", name="Save the section").click()
    expect(page.locator(f"#section-{section_id}")).to_contain_text("after a long careful rewrite")

    # Saved: the browser forgot the draft, so the editor opens on the saved text alone.
    page.goto(editor)
    expect(page.get_by_label("Text", exact=True)).to_have_value(re.compile("By 2026"))
    expect(page.locator("[data-draft-notice]")).to_be_hidden()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('plan-draft:'))") == []
