"""Threads: starting, replying, quoting, mentions, editing, deleting, following, unread
markers, network members' limits, cluster threads, live polling and the query budget."""

import re

import pytest
from sqlalchemy import func, select

from conftest import count_queries
from workspace import db
from workspace.models import (
    Activity,
    ActivityKind,
    Notification,
    NotificationKind,
    Post,
    PostMention,
    PostRevision,
    SubscriptionState,
    Thread,
    ThreadSubscription,
)
from workspace.threads import services


def start(world, author=None, open_to_network=False, title="Study visit agenda", body="Hello"):
    """A thread made directly through the service, committed."""
    thread = services.start_thread(
        author or world.mentor,
        pair=world.pair,
        title=title,
        body=body,
        language="en",
        open_to_network=open_to_network,
    )
    db.session.commit()
    return thread


def notes(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


# Starting threads ---------------------------------------------------------------------


def test_a_core_member_starts_a_thread(client, auth, world):
    auth.as_user(world.mentee)
    response = client.post(
        f"/pairs/{world.pair.id}/threads/new",
        data={"title": "Housing visit", "body": "Shall we meet *Tuesday*?", "language": "fr"},
    )
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert response.headers["Location"].endswith(f"/threads/{thread.id}")
    assert (thread.title, thread.language, thread.open_to_network) == ("Housing visit", "fr", False)
    assert thread.post_count == 1 and thread.last_post_id > 0
    page = client.get(f"/threads/{thread.id}")
    assert "<em>Tuesday</em>" in page.text
    assert re.search(r'<div class="post__body" hx-disable lang="fr">', page.text)
    entry = db.session.scalar(select(Activity))
    assert entry.kind is ActivityKind.THREAD_STARTED and entry.core_only is True
    # The author follows it.
    sub = db.session.scalar(select(ThreadSubscription))
    assert sub.user_id == world.mentee.id and sub.state is SubscriptionState.FOLLOW


def test_open_to_network_thread_records_public_activity(client, auth, world):
    auth.as_user(world.mentor)
    client.post(
        f"/pairs/{world.pair.id}/threads/new",
        data={"title": "Open", "body": "All welcome", "language": "en", "open_to_network": "y"},
    )
    thread = db.session.scalar(select(Thread))
    assert thread.open_to_network is True
    assert db.session.scalar(select(Activity)).core_only is False


def test_a_thread_needs_a_title_and_a_body(client, auth, world):
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/threads/new", data={"title": "", "body": "", "language": "en"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_network_members_may_not_start_threads(client, auth, world):
    auth.as_user(world.network_mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/threads/new", data={"title": "x", "body": "y", "language": "en"}
    )
    assert response.status_code == 403
    assert client.get(f"/pairs/{world.pair.id}/threads/new").status_code == 403
    assert "Start a thread" not in client.get(f"/pairs/{world.pair.id}/threads").text


# Network members ----------------------------------------------------------------------


def test_network_members_see_and_reply_only_in_open_threads(client, auth, world):
    core = start(world, title="Core only")
    open_ = start(world, title="Open thread", open_to_network=True)
    auth.as_user(world.network_mentee)
    listing = client.get(f"/pairs/{world.pair.id}/threads").text
    assert "Open thread" in listing and "Core only" not in listing
    assert client.get(f"/threads/{core.id}").status_code == 404
    refused = client.post(f"/threads/{core.id}/reply", data={"body": "hi", "language": "en"})
    assert refused.status_code == 404
    allowed = client.post(f"/threads/{open_.id}/reply", data={"body": "hi", "language": "en"})
    assert allowed.status_code == 303
    assert db.session.get(Thread, open_.id).post_count == 2


# Replies, quotes, mentions, notifications ---------------------------------------------


def test_reply_notifies_followers_who_can_see_the_thread(client, auth, world):
    thread = start(world, author=world.mentor)
    # A network member following a core-only thread (left from when it was open) is not told.
    db.session.add(
        ThreadSubscription(
            user_id=world.network_mentor.id,
            thread_id=thread.id,
            state=SubscriptionState.FOLLOW,
            last_read_post_id=0,
        )
    )
    db.session.add(
        ThreadSubscription(
            user_id=world.partner.id,
            thread_id=thread.id,
            state=SubscriptionState.MUTE,
            last_read_post_id=0,
        )
    )
    auth.as_user(world.mentee)
    response = client.post(f"/threads/{thread.id}/reply", data={"body": "Agreed", "language": "en"})
    assert response.status_code == 303
    assert [n.kind for n in notes(world.mentor)] == [NotificationKind.REPLY]
    assert notes(world.network_mentor) == []
    assert notes(world.partner) == []
    assert notes(world.mentee) == []  # never the author
    kinds = [a.kind for a in db.session.scalars(select(Activity).order_by(Activity.id))]
    assert kinds == [ActivityKind.THREAD_STARTED, ActivityKind.POST_REPLIED]


def test_mentions_notify_only_people_who_can_see_the_thread(client, auth, world):
    thread = start(world)
    auth.as_user(world.mentor)
    page = client.get(f"/threads/{thread.id}").text
    assert "@ManuMentee" in page and "@CoraConsultant" in page
    assert "@NinaNetwork" not in page  # core-only thread: network members can't be mentioned
    client.post(
        f"/threads/{thread.id}/reply",
        data={
            "body": "@ManuMentee and @CoraConsultant, see this; @NinaNetwork too; @OlgaOther",
            "language": "en",
        },
    )
    assert [n.kind for n in notes(world.mentee)] == [NotificationKind.MENTION]
    assert [n.kind for n in notes(world.consultant)] == [NotificationKind.MENTION]
    assert notes(world.network_mentor) == []
    assert notes(world.other_pair_member) == []
    mentioned = set(db.session.scalars(select(PostMention.user_id)))
    assert mentioned == {world.mentee.id, world.consultant.id}


def test_quote_prefills_the_reply_and_records_reply_to(client, auth, world):
    thread = start(world, body="We visit the *women's house*.\nThen lunch.")
    first = db.session.scalar(select(Post))
    auth.as_user(world.mentee)
    page = client.get(f"/threads/{thread.id}?quote={first.id}").text
    assert "Mona Mentor:\n&gt; We visit the *women&#39;s house*.\n&gt; Then lunch." in page
    assert f'name="reply_to" type="hidden" value="{first.id}"' in page
    client.post(
        f"/threads/{thread.id}/reply",
        data={"body": "> quoted\n\nYes", "language": "en", "reply_to": str(first.id)},
    )
    reply = db.session.scalar(select(Post).order_by(Post.id.desc()))
    assert reply.reply_to_id == first.id
    assert "in reply to Mona Mentor" in client.get(f"/threads/{thread.id}").text


def test_htmx_reply_returns_the_reply_panel_and_a_trigger(client, auth, world):
    thread = start(world)
    auth.as_user(world.mentee)
    response = client.post(
        f"/threads/{thread.id}/reply",
        data={"body": "Via htmx", "language": "en"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text and "Your reply is posted." in response.text
    assert response.headers["HX-Trigger"] == "thread-changed"
    invalid = client.post(
        f"/threads/{thread.id}/reply",
        data={"body": "", "language": "en"},
        headers={"HX-Request": "true"},
    )
    assert invalid.status_code == 200 and 'aria-invalid="true"' in invalid.text


# Editing and deleting -----------------------------------------------------------------


def test_edit_keeps_history_and_marks_the_post_edited(client, auth, world):
    thread = start(world, body="First words")
    post = db.session.scalar(select(Post))
    auth.as_user(world.mentor)
    assert client.get(f"/posts/{post.id}/edit").status_code == 200
    response = client.post(f"/posts/{post.id}/edit", data={"body": "Better words"})
    assert response.status_code == 303
    client.post(f"/posts/{post.id}/edit", data={"body": "Better words"})  # unchanged: no revision
    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 2
    page = client.get(f"/threads/{thread.id}").text
    assert "Better words" in page and "First words" not in page and ">edited<" in page
    history = client.get(f"/posts/{post.id}/history").text
    assert "First words" in history and "Better words" in history
    # Someone else may not edit it.
    auth.as_user(world.mentee)
    assert client.post(f"/posts/{post.id}/edit", data={"body": "Hijack"}).status_code == 403


def test_delete_is_soft_and_shown_as_deleted(client, auth, world):
    thread = start(world, body="Oops, wrong thread")
    post = db.session.scalar(select(Post))
    auth.as_user(world.mentee)
    assert client.post(f"/posts/{post.id}/delete").status_code == 403
    auth.as_user(world.mentor)
    assert client.post(f"/posts/{post.id}/delete").status_code == 303
    assert db.session.get(Post, post.id).deleted_at is not None
    page = client.get(f"/threads/{thread.id}").text
    assert "This post was deleted." in page and "Oops" not in page


# Following and reading ----------------------------------------------------------------


def test_follow_and_mute(client, auth, world):
    thread = start(world)
    auth.as_user(world.partner)
    client.post(f"/threads/{thread.id}/subscription", data={"state": "follow"})
    sub = services.subscription(world.partner, thread)
    assert sub.state is SubscriptionState.FOLLOW
    response = client.post(
        f"/threads/{thread.id}/subscription", data={"state": "mute"}, headers={"HX-Request": "true"}
    )
    assert "You muted this thread." in response.text and "<html" not in response.text
    db.session.expire_all()
    assert services.subscription(world.partner, thread).state is SubscriptionState.MUTE
    auth.as_user(world.mentee)
    client.post(f"/threads/{thread.id}/reply", data={"body": "x", "language": "en"})
    assert notes(world.partner) == []


def test_unread_markers_and_mark_read(client, auth, world):
    thread = start(world)
    auth.as_user(world.mentee)
    listing = client.get(f"/pairs/{world.pair.id}/threads").text
    assert "thread-row--unread" in listing
    page = client.get(f"/threads/{thread.id}").text
    # The GET changes nothing; the page asks htmx to post the read marker once shown.
    assert services.subscription(world.mentee, thread) is None
    assert 'hx-trigger="load"' in page and "post--unread" in page
    client.post(f"/threads/{thread.id}/read", data={"up_to": thread.last_post_id})
    assert "thread-row--unread" not in client.get(f"/pairs/{world.pair.id}/threads").text
    # A new reply from someone else makes it unread again.
    auth.as_user(world.mentor)
    client.post(f"/threads/{thread.id}/reply", data={"body": "news", "language": "en"})
    auth.as_user(world.mentee)
    assert "thread-row--unread" in client.get(f"/pairs/{world.pair.id}/threads").text


def test_thread_list_is_pinned_first_then_newest_and_paged(client, auth, world):
    threads = [start(world, title=f"Thread number {i:02d}") for i in range(30)]
    threads[3].pinned = True
    db.session.commit()
    auth.as_user(world.mentor)
    page = client.get(f"/pairs/{world.pair.id}/threads").text
    titles = re.findall(r"Thread number (\d\d)", page)
    assert titles[0] == "03"
    assert titles[1:4] == ["29", "28", "27"]
    assert len(titles) == services.THREADS_PER_PAGE + 1
    more = re.search(r'href="([^"]*before_id=[^"]*)"', page).group(1).replace("&amp;", "&")
    rest = re.findall(r"Thread number (\d\d)", client.get(more).text)
    assert set(titles) | set(rest) == {f"{i:02d}" for i in range(30)}
    assert not set(titles) & set(rest)


# Live polling and queries -------------------------------------------------------------


def test_poll_answers_304_when_nothing_is_new(app, client, auth, world):
    thread = start(world)
    auth.as_user(world.mentee)
    url = f"/threads/{thread.id}/poll?after={thread.last_post_id}"
    first = client.get(url, headers={"HX-Request": "true"})
    assert first.status_code == 200 and 'id="thread-poller"' in first.text
    etag = first.headers["ETag"]
    with count_queries(app) as queries:
        again = client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert again.status_code == 304
    thread_reads = [q for q in queries if "FROM thread" in q]
    assert len(thread_reads) == 1 and "WHERE thread.id =" in thread_reads[0]
    assert not [q for q in queries if "FROM post" in q]
    # Someone replies: the same request now brings the new post and a poller after it.
    auth.as_user(world.mentor)
    client.post(f"/threads/{thread.id}/reply", data={"body": "Live!", "language": "en"})
    auth.as_user(world.mentee)
    fresh = client.get(url, headers={"HX-Request": "true", "If-None-Match": etag})
    assert fresh.status_code == 200 and "Live!" in fresh.text
    newest = db.session.get(Thread, thread.id).last_post_id
    assert f"after={newest}" in fresh.text
    assert "hx-post" in fresh.text  # marks the shown posts read


@pytest.mark.parametrize("htmx", [False, True])
def test_thread_page_runs_the_same_queries_for_20_and_200_posts(app, client, auth, world, htmx):
    counts = []
    for size in (20, 200):
        thread = start(world, title=f"{size} posts")
        for i in range(size - 1):
            author = (world.mentor, world.mentee, world.partner)[i % 3]
            services.reply(thread, author, f"Message {i} for @MonaMentor", "en")
        db.session.commit()
        auth.as_user(world.consultant)
        headers = {"HX-Request": "true"} if htmx else {}
        with count_queries(app) as queries:
            response = client.get(f"/threads/{thread.id}", headers=headers)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_thread_pages_by_keyset(client, auth, world):
    thread = start(world, body="Message opening")
    for i in range(1, 60):
        services.reply(thread, world.mentee, f"Message {i:02d}", "en")
    db.session.commit()
    auth.as_user(world.mentor)
    first = client.get(f"/threads/{thread.id}").text
    assert "Message opening" in first and "Message 49" in first and "Message 50" not in first
    assert 'id="thread-poller"' not in first  # only the newest page is live
    newer = re.search(r'href="([^"]*after=\d+)"', first).group(1)
    last = client.get(newer).text
    assert "Message 50" in last and "Message 59" in last and "Message 49" not in last
    assert 'id="thread-poller"' in last


# Cluster threads ----------------------------------------------------------------------


def test_cluster_threads_for_consultants_and_core_members(client, auth, world):
    auth.as_user(world.consultant)
    response = client.post(
        f"/clusters/{world.cluster.id}/threads/new",
        data={"title": "Cluster call", "body": "Agenda", "language": "en"},
    )
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert thread.cluster_id == world.cluster.id and thread.pair_id is None
    for user in (world.mentor, world.partner, world.admin):
        auth.as_user(user)
        assert "Cluster call" in client.get(f"/clusters/{world.cluster.id}/threads").text
        assert client.get(f"/threads/{thread.id}").status_code == 200
    for user in (world.network_mentor, world.other_consultant, world.other_pair_member):
        auth.as_user(user)
        assert client.get(f"/clusters/{world.cluster.id}/threads").status_code == 404
        assert client.get(f"/threads/{thread.id}").status_code == 404
    auth.as_user(world.mentor)
    listing = client.get(f"/pairs/{world.pair.id}/threads").text
    assert f'href="/clusters/{world.cluster.id}/threads"' in listing
    # No pair activity for cluster threads.
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_thread_list_runs_the_same_queries_for_few_and_many_threads(app, client, auth, world):
    counts = []
    for size in (3, 40):
        for i in range(size):
            start(world, title=f"Batch {size} thread {i}")
        auth.as_user(world.mentee)
        with count_queries(app) as queries:
            assert client.get(f"/pairs/{world.pair.id}/threads").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
