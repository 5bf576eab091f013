"""Moderation: pin, lock, hide and restore with a required reason, the audit log, the
author told, and the moderation page with bulk actions."""

from sqlalchemy import func, select
from test_threads import notes, start

from workspace import db
from workspace.models import ModerationAction, ModerationKind, NotificationKind, Post, Thread
from workspace.threads import services


def test_hiding_a_post_needs_a_reason(client, auth, world):
    thread = start(world)
    post = db.session.scalar(select(Post))
    auth.as_user(world.consultant)
    response = client.post(f"/posts/{post.id}/moderate", data={"action": "hide", "reason": " "})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    assert db.session.get(Post, post.id).hidden is False
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0
    assert thread.id


def test_hidden_post_shows_the_reason_to_its_author_and_a_placeholder_to_others(
    client, auth, world
):
    thread = start(world, author=world.mentor, body="Something rude")
    post = db.session.scalar(select(Post))
    auth.as_user(world.consultant)
    response = client.post(
        f"/posts/{post.id}/moderate", data={"action": "hide", "reason": "Personal data"}
    )
    assert response.status_code == 303
    entry = db.session.scalar(select(ModerationAction))
    assert (entry.action, entry.reason, entry.post_id, entry.actor_id) == (
        ModerationKind.HIDE,
        "Personal data",
        post.id,
        world.consultant.id,
    )
    [note] = notes(world.mentor, NotificationKind.MODERATION)
    assert note.detail == "Personal data"
    assert notes(world.mentee) == []

    auth.as_user(world.mentor)
    page = client.get(f"/threads/{thread.id}").text
    assert "Hidden by a moderator: Personal data" in page and "Something rude" in page
    auth.as_user(world.mentee)
    page = client.get(f"/threads/{thread.id}").text
    assert "This post was hidden by a moderator." in page
    assert "Something rude" not in page and "Personal data" not in page
    assert client.get(f"/posts/{post.id}/history").status_code == 404
    auth.as_user(world.consultant)
    assert "Something rude" in client.get(f"/threads/{thread.id}").text

    # Restored, with a reason too.
    client.post(f"/posts/{post.id}/moderate", data={"action": "restore", "reason": "Fixed"})
    assert db.session.get(Post, post.id).hidden is False
    auth.as_user(world.mentee)
    assert "Something rude" in client.get(f"/threads/{thread.id}").text
    actions = db.session.scalars(select(ModerationAction.action).order_by(ModerationAction.id))
    assert list(actions) == [ModerationKind.HIDE, ModerationKind.RESTORE]


def test_core_members_may_not_moderate(client, auth, world):
    thread = start(world)
    post = db.session.scalar(select(Post))
    auth.as_user(world.mentor)
    data = {"action": "hide", "reason": "no"}
    assert client.post(f"/posts/{post.id}/moderate", data=data).status_code == 403
    assert client.post(f"/threads/{thread.id}/moderate", data=data).status_code == 403
    assert "Moderate this thread" not in client.get(f"/threads/{thread.id}").text
    assert client.get("/moderation").status_code == 403


def test_lock_pin_and_hide_a_thread(client, auth, world):
    thread = start(world, author=world.mentee, title="Heated debate")
    auth.as_user(world.admin)
    for action in ("pin", "lock"):
        response = client.post(
            f"/threads/{thread.id}/moderate", data={"action": action, "reason": "Calm down"}
        )
        assert response.status_code == 303
    thread = db.session.get(Thread, thread.id)
    assert thread.pinned and thread.locked
    # Locked: members can't reply, moderators still can.
    auth.as_user(world.mentor)
    refused = client.post(f"/threads/{thread.id}/reply", data={"body": "x", "language": "en"})
    assert refused.status_code == 403
    assert "This thread is locked" in client.get(f"/threads/{thread.id}").text
    auth.as_user(world.consultant)
    ok = client.post(f"/threads/{thread.id}/reply", data={"body": "x", "language": "en"})
    assert ok.status_code == 303
    # Hidden: gone from others' lists, a placeholder for them, the reason for the author.
    client.post(f"/threads/{thread.id}/moderate", data={"action": "hide", "reason": "Off topic"})
    auth.as_user(world.mentor)
    assert "Heated debate" not in client.get(f"/pairs/{world.pair.id}/threads").text
    page = client.get(f"/threads/{thread.id}").text
    assert "This thread was hidden by a moderator." in page and "Off topic" not in page
    auth.as_user(world.mentee)
    assert "Heated debate" in client.get(f"/pairs/{world.pair.id}/threads").text
    assert "Hidden by a moderator: Off topic" in client.get(f"/threads/{thread.id}").text
    kinds = [n.detail for n in notes(world.mentee, NotificationKind.MODERATION)]
    assert kinds == ["Calm down", "Calm down", "Off topic"]
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 3


def test_moderation_page_lists_only_the_consultants_clusters_and_bulk_hides(client, auth, world):
    mine = start(world, body="In my cluster")
    for i in range(3):
        services.reply(mine, world.mentee, f"Reply {i}", "en")
    theirs = services.start_thread(
        world.other_pair_member,
        pair=world.other_pair,
        title="Elsewhere",
        body="Not my cluster",
        language="en",
    )
    db.session.commit()
    auth.as_user(world.consultant)
    page = client.get("/moderation").text
    assert "In my cluster" in page and "Not my cluster" not in page
    ids = list(db.session.scalars(select(Post.id).where(Post.thread_id == mine.id)))[1:3]
    response = client.post(
        "/moderation", data={"posts": ids, "action": "hide", "reason": "Duplicates"}
    )
    assert response.status_code == 303
    hidden = set(db.session.scalars(select(Post.id).where(Post.hidden.is_(True))))
    assert hidden == set(ids)
    page = client.get("/moderation").text
    assert "Hidden: Duplicates" in page
    # Without a reason, nothing happens and the form says why.
    response = client.post("/moderation", data={"posts": ids, "action": "restore", "reason": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    # Posts outside the consultant's clusters are refused.
    other = db.session.scalar(select(Post.id).where(Post.thread_id == theirs.id))
    response = client.post("/moderation", data={"posts": [other], "action": "hide", "reason": "x"})
    assert response.status_code == 403
    assert db.session.get(Post, other).hidden is False
