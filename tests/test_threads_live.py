"""Live threads: edits, deletions and moderation of posts already shown move the thread's
change count, so the poll's ETag changes and its answer replaces those posts in place
(htmx out-of-band swaps by id); an unchanged thread still answers 304 after one lookup."""

import re

import pytest
from sqlalchemy import select
from test_threads import start

from conftest import count_queries
from workspace import db
from workspace.models import Post, Thread
from workspace.threads import services

HX = {"HX-Request": "true"}


def poll_url(html: str) -> str:
    match = re.search(r'<li id="thread-poller"[^>]*hx-get="([^"]+)"', html)
    assert match, html
    return match.group(1).replace("&amp;", "&")


def oob_post(html: str, post_id: int) -> str:
    """The out-of-band replacement of one post in a poll's answer ('' when not sent)."""
    pattern = rf'<li id="post-{post_id}"[^>]*hx-swap-oob="true">.*?</article>\s*</li>'
    match = re.search(pattern, html, re.S)
    return match.group(0) if match else ""


def version(html: str, post_id: int) -> str:
    return re.search(rf'<li id="post-{post_id}"[^>]*data-version="(\w+)"', html).group(1)


def change_count(thread: Thread) -> int:
    db.session.expire_all()
    return db.session.get(Thread, thread.id).change_count


def open_thread(client, thread):
    """What a browser does: the page, then a first poll that gives the ETag to send."""
    page = client.get(f"/threads/{thread.id}").text
    url = poll_url(page)
    first = client.get(url, headers=HX)
    assert first.status_code == 200
    return page, url, first.headers["ETag"]


def conversation(world):
    """A thread by the mentor with replies by the mentee and the partner."""
    thread = start(world, author=world.mentor, body="Opening words")
    mine = services.reply(thread, world.mentee, "Original *wording*", "en")
    other = services.reply(thread, world.partner, "Untouched reply", "en")
    db.session.commit()
    return thread, mine, other


@pytest.mark.parametrize("where", ["pair", "cluster"])
def test_an_unchanged_thread_answers_304_after_one_statement(app, client, auth, world, where):
    """One statement by primary keys loads the thread, the signed-in account and its
    standing; no post, no moderation log, no second look at the account."""
    if where == "pair":
        thread, _, _ = conversation(world)
    else:
        thread = services.start_thread(
            world.mentor,
            title="Across the cluster",
            body="Hello",
            language="en",
            cluster=world.cluster,
        )
        db.session.commit()
    auth.as_user(world.mentor)
    _, url, etag = open_thread(client, thread)
    assert "changes=0" in url
    with count_queries(app) as statements:
        response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 304 and response.text == ""
    assert len(statements) == 1, statements
    assert "WHERE thread.id =" in statements[0] and "user_account" in statements[0]
    assert "FROM post" not in statements[0] and "moderation" not in statements[0]


def test_the_poll_refuses_an_ended_session_and_outsiders(app, client, auth, world):
    thread, _, _ = conversation(world)
    auth.as_user(world.mentor)
    _, url, etag = open_thread(client, thread)
    world.mentor.end_all_sessions()  # a password reset elsewhere
    db.session.commit()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    auth.as_user(world.other_pair_member)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404
    auth.as_user(world.network_mentor)  # a core-team-only thread
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404


def test_an_edit_changes_the_etag_and_the_poll_replaces_the_post(client, auth, world):
    thread, mine, other = conversation(world)
    auth.as_user(world.mentor)
    page, url, etag = open_thread(client, thread)

    auth.as_user(world.mentee)
    response = client.post(f"/posts/{mine.id}/edit", data={"body": "Better **wording**"})
    assert response.status_code == 303
    assert change_count(thread) == 1

    auth.as_user(world.mentor)
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    replaced = oob_post(response.text, mine.id)
    assert "<strong>wording</strong>" in replaced and "Original" not in response.text
    assert "edited" in replaced
    # Every post the page shows comes along with its fingerprint; only the edited one's moved
    # (the browser leaves the others alone).
    assert version(response.text, mine.id) != version(page, mine.id)
    assert version(response.text, other.id) == version(page, other.id)
    # The status of the thread is sent too; the new poller knows the new count.
    assert 'id="thread-status" hx-swap-oob="true"' in response.text
    new_url = poll_url(response.text)
    assert "changes=1" in new_url and f"after={other.id}" in new_url
    assert (
        client.get(new_url, headers={**HX, "If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_an_edit_without_a_change_keeps_the_etag(client, auth, world):
    thread, mine, _ = conversation(world)
    auth.as_user(world.mentor)
    _, url, etag = open_thread(client, thread)
    auth.as_user(world.mentee)
    client.post(f"/posts/{mine.id}/edit", data={"body": "Original *wording*"})
    assert change_count(thread) == 0
    auth.as_user(world.mentor)
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304


def test_hiding_a_post_reaches_readers_and_moderators_live(client, auth, world):
    thread, mine, _ = conversation(world)
    auth.as_user(world.mentor)
    _, reader_url, reader_etag = open_thread(client, thread)
    auth.as_user(world.consultant)
    _, moderator_url, moderator_etag = open_thread(client, thread)

    response = client.post(
        f"/posts/{mine.id}/moderate", data={"action": "hide", "reason": "Off topic"}
    )
    assert response.status_code == 303

    response = client.get(moderator_url, headers={**HX, "If-None-Match": moderator_etag})
    assert response.status_code == 200
    replaced = oob_post(response.text, mine.id)
    assert "Hidden by a moderator: Off topic" in replaced and "Original" in replaced
    assert "Restore" in replaced

    auth.as_user(world.mentor)
    response = client.get(reader_url, headers={**HX, "If-None-Match": reader_etag})
    assert response.status_code == 200
    replaced = oob_post(response.text, mine.id)
    assert "This post was hidden by a moderator." in replaced
    assert "Original" not in response.text and "Off topic" not in response.text

    # Restored: the content comes back the same way.
    etag = response.headers["ETag"]
    url = poll_url(response.text)
    auth.as_user(world.consultant)
    client.post(f"/posts/{mine.id}/moderate", data={"action": "restore", "reason": "Fine"})
    auth.as_user(world.mentor)
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200 and "Original" in oob_post(response.text, mine.id)


def test_a_deletion_reaches_the_other_readers_live(client, auth, world):
    thread, mine, _ = conversation(world)
    auth.as_user(world.mentor)
    _, url, etag = open_thread(client, thread)
    auth.as_user(world.mentee)
    assert client.post(f"/posts/{mine.id}/delete").status_code == 303
    auth.as_user(world.mentor)
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200
    assert "This post was deleted." in oob_post(response.text, mine.id)
    assert "Original" not in response.text


def test_thread_moderation_updates_the_status_and_the_posts_live(client, auth, world):
    thread, mine, _ = conversation(world)
    auth.as_user(world.mentee)
    _, url, etag = open_thread(client, thread)
    auth.as_user(world.consultant)
    client.post(
        f"/threads/{thread.id}/moderate", data={"action": "lock", "reason": "Decision made"}
    )
    auth.as_user(world.mentee)
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200
    status = re.search(r'<p class="muted" id="thread-status".*?</p>', response.text, re.S).group(0)
    assert "Locked" in status

    etag, url = response.headers["ETag"], poll_url(response.text)
    auth.as_user(world.consultant)
    client.post(f"/threads/{thread.id}/moderate", data={"action": "hide", "reason": "Confidential"})
    auth.as_user(world.mentee)
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200
    assert 'id="thread-hidden" hx-swap-oob="true"' in response.text
    assert "This thread was hidden by a moderator." in response.text
    # The posts the mentee had on screen turn into placeholders; their words are gone.
    assert "This post was hidden by a moderator." in oob_post(response.text, mine.id)
    assert "Original" not in response.text and "Opening words" not in response.text


def test_a_new_reply_alone_sends_only_the_new_post(client, auth, world):
    thread, mine, other = conversation(world)
    auth.as_user(world.mentor)
    _, url, etag = open_thread(client, thread)
    auth.as_user(world.partner)
    client.post(f"/threads/{thread.id}/reply", data={"body": "Fresh news", "language": "en"})
    auth.as_user(world.mentor)
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200 and "Fresh news" in response.text
    assert "hx-swap-oob" not in response.text  # nothing shown before has changed


def test_every_kind_of_change_moves_the_count(world):
    thread, mine, other = conversation(world)
    services.edit_post(mine, world.mentee, "Edited")
    db.session.commit()
    assert change_count(thread) == 1
    services.delete_post(db.session.get(Post, other.id))
    db.session.commit()
    assert change_count(thread) == 2
    post = db.session.scalar(select(Post).where(Post.id == mine.id))
    services.moderate_post(post, world.consultant, services.POST_ACTIONS[0], "Reason")
    db.session.commit()
    assert change_count(thread) == 3
    for action in services.THREAD_ACTIONS:
        services.moderate_thread(db.session.get(Thread, thread.id), world.admin, action, "Why")
        db.session.commit()
    assert change_count(thread) == 3 + len(services.THREAD_ACTIONS)
    # A reply moves the last post instead.
    services.reply(db.session.get(Thread, thread.id), world.mentor, "More", "en")
    db.session.commit()
    assert change_count(thread) == 3 + len(services.THREAD_ACTIONS)
