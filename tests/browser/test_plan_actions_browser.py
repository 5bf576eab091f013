"""Plan actions in a real Chromium: added, corrected, edited, reordered and deleted inline
with htmx (CSRF and CSP on), and the plan exported as PDF and DOCX from its page."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Membership, Role, User
from workspace.plans import services

pytestmark = pytest.mark.browser

ACCOUNT = "mentor-fuenlabrada"


@pytest.fixture
def plan(live_server):
    """A new draft plan in the demo pair of ACCOUNT."""
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == f"{ACCOUNT}@demo.example.org"))
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.role == Role.MENTOR)
        )
        plan = services.create_plan(membership.pair, "Browser plan", "en", user)
        db.session.commit()
        return membership.pair_id, plan.id, membership.pair.mentor_city.name


def test_actions_inline_and_export(page, sign_in, plan):
    pair_id, plan_id, city = plan
    problems = []  # CSP refusals and failed requests (the browser's own favicon.ico aside)
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
    page.on(
        "response",
        lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    sign_in(ACCOUNT)
    page.goto(f"/pairs/{pair_id}/plans/{plan_id}/actions")
    url = page.url

    # An end before the start comes back inline, tied to its field; nothing is lost.
    page.get_by_label("Action", exact=True).fill("Open a housing desk")
    page.get_by_label("Lead organisation").select_option(label=city)
    page.get_by_label("Start date").fill("2025-05-01")
    page.get_by_label("End date", exact=True).fill("2025-04-01")
    page.get_by_role("button", name="Add the action").click()
    end = page.get_by_label("End date", exact=True)
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ends_on-errors")).to_have_text("The end cannot be before the start.")
    expect(page.get_by_label("Action", exact=True)).to_have_value("Open a housing desk")
    assert page.url == url

    end.fill("2025-12-31")
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#actions-status")).to_contain_text("Action “Open a housing desk” added.")
    row = page.locator("#plan-actions-table tbody tr").first
    expect(row).to_contain_text("Open a housing desk")
    expect(row).to_contain_text(city)

    # Edit it in place.
    page.get_by_role("link", name="Edit Open a housing desk").click()
    expect(
        page.get_by_role("heading", name="Edit the action “Open a housing desk”")
    ).to_be_visible()
    page.get_by_label("Action", exact=True).fill("Open two housing desks")
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Save the action").click()
    expect(page.locator("#actions-status")).to_contain_text(
        "Action “Open two housing desks” saved."
    )
    expect(row).to_contain_text("In progress")
    expect(page.get_by_role("heading", name="New action")).to_be_visible()

    # A second action, moved up, then deleted after confirming.
    page.get_by_label("Action", exact=True).fill("Language café")
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#plan-actions-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Up Language café").click()
    expect(page.locator("#plan-actions-table tbody tr").first).to_contain_text("Language café")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Language café").click()
    expect(page.locator("#plan-actions-table tbody tr")).to_have_count(1)
    assert page.url == url

    # The plan page exports the plan.
    page.goto(f"/pairs/{pair_id}/plans/{plan_id}")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="PDF").click()
    assert re.fullmatch(r"Browser_plan-v1-\w\w\.pdf", pdf.value.suggested_filename)
    with open(pdf.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    page.get_by_label("with open comments").check()
    with page.expect_download() as docx:
        page.get_by_role("button", name="DOCX").click()
    assert docx.value.suggested_filename.endswith(".docx")
    assert problems == []
