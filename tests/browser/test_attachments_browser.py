"""Attachments in a real Chromium: a file over the limit is stopped before sending (the text
stays in the form), and a file is removed in place after a confirmation."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from workspace import attachments, db
from workspace.models import Attachment, Event, Membership, Post, Thread, User

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server):
    """A thread and a study visit (with its agenda PDF) of the Fuenlabrada – Livadia pair."""
    with live_server.app.app_context():
        pair_id = db.session.scalar(
            select(Membership.pair_id)
            .join(User, User.id == Membership.user_id)
            .where(User.email == "mentee-livadia@demo.example.org")
        )
        agenda = db.session.scalar(
            select(Attachment)
            .join(Event, Event.id == Attachment.event_id)
            .where(Event.pair_id == pair_id)
            .order_by(Attachment.id)
            .limit(1)
        )
        thread = db.session.scalar(
            select(Thread).where(Thread.pair_id == agenda.event.pair_id).order_by(Thread.id)
        )
        return {
            "pair_id": agenda.event.pair_id,
            "event_id": agenda.event_id,
            "agenda_id": agenda.id,
            "agenda_name": agenda.filename,
            "agenda_path": attachments.path_of(agenda),
            "thread_id": thread.id,
        }


def _posts(live_server, thread_id):
    with live_server.app.app_context():
        return db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread_id))


def test_an_oversize_file_is_stopped_before_sending(page, sign_in, live_server, demo):
    live_server.app.config["MAX_ATTACHMENT_BYTES"] = 1000
    sign_in("mentor-fuenlabrada")
    page.goto(f"/threads/{demo['thread_id']}")
    before = _posts(live_server, demo["thread_id"])
    page.locator("textarea[name=body]").fill("Here is the long report")
    files = page.locator("input[type=file][data-max-bytes]")
    files.set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 2000}
    )
    error = page.locator(f"#{files.get_attribute('id')}-client-errors")
    expect(error).to_have_text("report.pdf is larger than 1 kB.")
    assert f"{files.get_attribute('id')}-client-errors" in files.get_attribute("aria-describedby")
    expect(files).to_have_attribute("aria-invalid", "true")
    page.locator("textarea[name=body]").press("End")
    page.get_by_role("button", name="Post the reply").click()
    expect(files).to_be_focused()
    expect(page.locator("textarea[name=body]")).to_have_value("Here is the long report")
    assert _posts(live_server, demo["thread_id"]) == before
    # A file within the limit clears the error.
    files.set_input_files({"name": "ok.txt", "mimeType": "text/plain", "buffer": b"Fine\n"})
    expect(error).to_have_count(0)


def test_a_file_is_removed_in_place(page, sign_in, live_server, demo):
    sign_in("mentee-livadia")  # manages the pair's events
    page.goto(f"/pairs/{demo['pair_id']}/events/{demo['event_id']}")
    item = page.locator(f"#attachment-{demo['agenda_id']}")
    expect(item).to_contain_text(demo["agenda_name"])
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name=f"Remove {demo['agenda_name']}").click()
    expect(item).to_have_count(0)
    assert not demo["agenda_path"].exists()
