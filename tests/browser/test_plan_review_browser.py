"""A plan's comments and review in a real Chromium: a network member comments but finds no way
to edit (and the server refuses a forged edit); then the mentee submits, the consultant
approves, the mentee adopts and starts a new version. Pair Fuenlabrada → Livadia reads
English."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workspace import db
from workspace.models import Membership, Plan, User
from workspace.plans import services

from .accounts import signed_in

pytestmark = pytest.mark.browser

TITLE = "Decent work for newcomers: action plan"


@pytest.fixture
def plan(live_server):
    """A draft plan of the pair of network-fuenlabrada, from the default outline."""
    with live_server.app.app_context():
        network = db.session.scalar(
            select(User).where(User.email == "network-fuenlabrada@demo.example.org")
        )
        pair = db.session.scalar(select(Membership).where(Membership.user_id == network.id)).pair
        mentor = db.session.scalar(
            select(User).where(User.email == "mentor-fuenlabrada@demo.example.org")
        )
        plan = services.create_plan(pair, TITLE, "en", mentor)
        db.session.commit()
        section = plan.sections[0]
        return f"/pairs/{pair.id}/plans/{plan.id}", plan.id, section.id


def review_status(page):
    return page.locator("#plan-review-heading .plan-status")


def test_a_network_member_comments_but_cannot_edit(browser, live_server, plan):
    url, _plan_id, section_id = plan
    page = signed_in(browser, live_server, "network-fuenlabrada")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(review_status(page)).to_have_text("Draft")
    # No way to edit: no edit link, no section to add, no review button.
    expect(page.get_by_role("link", name=re.compile(r"^Edit"))).to_have_count(0)
    expect(page.get_by_role("button", name="Add the section at the end")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)

    comments = page.locator(f"#section-{section_id}-comments")
    comments.get_by_text("Add a comment").click()
    comments.get_by_label("Comment", exact=True).fill("Ask the *employers' federation* too.")
    comments.get_by_role("button", name="Post comment").click()
    expect(comments.get_by_text("Comment added.")).to_be_visible()
    expect(comments.locator(".comment__body em")).to_have_text("employers' federation")
    expect(comments.locator(".comment__meta strong")).to_have_text("Ana Moreno")
    expect(page).to_have_url(re.compile(re.escape(url) + r"$"))  # swapped in, not reloaded
    page.reload()
    expect(page.locator(".comment__body em")).to_have_text("employers' federation")

    # A forged edit, with a valid CSRF token, is refused by the server.
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    forged = {"csrf_token": token, "title": "Forged", "body": "Forged text"}
    for target in (
        f"{url}/sections/{section_id}/edit",
        f"{url}/sections/{section_id}/translations/es",
    ):
        response = page.request.post(live_server.url + target, form=forged, max_redirects=0)
        assert response.status == 403, (target, response.status)
    page.goto(url)
    expect(page.locator(".plan-section").first).not_to_contain_text("Forged")
    page.context.close()


def test_submit_approve_adopt_and_a_new_version_in_the_ui(browser, live_server, plan):
    url, plan_id, _section_id = plan
    mentee = signed_in(browser, live_server, "mentee-livadia")
    mentee.goto(url)
    mentee.get_by_label("Note").fill("Ready for review.")
    mentee.get_by_role("button", name="Submit for review").click()
    expect(review_status(mentee)).to_have_text("In review")
    expect(mentee.locator(".review-step")).to_contain_text("Eleni Papadopoulou submitted the plan")
    expect(mentee.get_by_role("link", name=re.compile(r"^Edit"))).to_have_count(0)
    expect(mentee.get_by_role("button", name="Approve")).to_have_count(0)

    consultant = signed_in(browser, live_server, "consultant")
    consultant.goto(url)
    expect(review_status(consultant)).to_have_text("In review")
    # Changes without a note: refused in place, the status unchanged.
    consultant.get_by_role("button", name="Request changes").click()
    expect(consultant.get_by_text("Say what should change.", exact=True)).to_be_visible()
    expect(consultant.locator(".error-summary")).to_be_focused()  # links to the note
    expect(consultant.get_by_role("link", name="Note: Say what should change.")).to_be_visible()
    consultant.get_by_label("Note").fill("Clear and well argued.")
    consultant.get_by_role("button", name="Approve").click()
    expect(review_status(consultant)).to_have_text("Approved")
    expect(consultant.get_by_text("Clear and well argued.")).to_be_visible()
    expect(consultant.get_by_role("button", name="Adopt the plan")).to_have_count(0)
    consultant.context.close()

    mentee.reload()
    expect(review_status(mentee)).to_have_text("Approved")
    mentee.once("dialog", lambda dialog: dialog.accept())  # "Adopt the plan? …"
    mentee.get_by_role("button", name="Adopt the plan").click()
    expect(review_status(mentee)).to_have_text("Adopted")
    expect(mentee.get_by_text("Add a comment")).to_have_count(0)

    mentee.get_by_role("button", name="Start a new version").click()
    expect(mentee).not_to_have_url(re.compile(re.escape(url) + r"(\?|#|$)"))
    expect(review_status(mentee)).to_have_text("Draft")
    expect(mentee.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(mentee.get_by_role("link", name=re.compile(r"^Edit")).first).to_be_visible()
    with live_server.app.app_context():
        new = db.session.scalar(select(Plan).where(Plan.previous_id == plan_id))
        assert new is not None and new.version == 2
    mentee.context.close()
