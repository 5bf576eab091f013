"""Threads and posts: writing, mentions, notifications, moderation, and the lists pages show.

Routes decide access through ``policy``; these functions change data in the current session
(and record activity and notifications in the same transaction) and leave the commit to
the route.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cache

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import activity, attachments, audit, db, policy
from ..models import (
    ActivityKind,
    AuditAction,
    Cluster,
    Membership,
    ModerationAction,
    ModerationKind,
    NotificationKind,
    Pair,
    Post,
    PostMention,
    PostRevision,
    Role,
    SubscriptionState,
    Thread,
    ThreadSubscription,
    User,
    cluster_consultant,
    utcnow,
)
from ..notifications.services import notify
from . import markdown

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 50
MENTION = re.compile(r"(?<![\w@])@([^\W_][\w.-]*)")


# Names and places -----------------------------------------------------------------------


def handle(user: User) -> str:
    """What follows ``@`` to mention someone: their name without spaces or punctuation."""
    return "".join(ch for ch in user.name if ch.isalnum())


def thread_url(thread: Thread, post: Post | None = None) -> str:
    url = url_for("threads.show", thread_id=thread.id)
    return f"{url}#post-{post.id}" if post is not None else url


def language_codes(thread_place: Pair | Cluster | None) -> list[str]:
    """The languages a post may be marked as: the pair's working languages and the UI's."""
    codes = list(thread_place.working_languages) if isinstance(thread_place, Pair) else []
    return codes + [c for c in current_app.config["LANGUAGES"] if c not in codes]


# Subscriptions --------------------------------------------------------------------------


def subscription(user: User, thread: Thread, create: bool = False) -> ThreadSubscription | None:
    sub = db.session.scalar(
        select(ThreadSubscription).where(
            ThreadSubscription.user_id == user.id, ThreadSubscription.thread_id == thread.id
        )
    )
    if sub is None and create:
        sub = ThreadSubscription(user_id=user.id, thread_id=thread.id, last_read_post_id=0)
        db.session.add(sub)
    return sub


def mark_read(user: User, thread: Thread, up_to: int) -> None:
    """Remember that the user has read the thread up to this post (never backwards)."""
    sub = subscription(user, thread, create=True)
    up_to = min(up_to, thread.last_post_id)
    if up_to > (sub.last_read_post_id or 0):
        sub.last_read_post_id = up_to


def set_state(user: User, thread: Thread, state: SubscriptionState | None) -> None:
    subscription(user, thread, create=True).state = state


# Writing --------------------------------------------------------------------------------


def start_thread(
    author: User,
    *,
    title: str,
    body: str,
    language: str,
    pair: Pair | None = None,
    cluster: Cluster | None = None,
    open_to_network: bool = False,
) -> Thread:
    thread = Thread(
        pair=pair,
        cluster=cluster,
        title=title.strip(),
        language=language,
        open_to_network=bool(open_to_network) and pair is not None,
        created_by=author,
        last_post_id=0,
        post_count=0,
    )
    db.session.add(thread)
    db.session.flush()
    post = _write_post(thread, author, body, language)
    if pair is not None:
        activity.record(
            pair,
            ActivityKind.THREAD_STARTED,
            author,
            "thread",
            thread.id,
            thread.title,
            core_only=not thread.open_to_network,
        )
    _notify_mentions(thread, post, author, set())
    return thread


def reply(
    thread: Thread, author: User, body: str, language: str, reply_to: Post | None = None
) -> Post:
    post = _write_post(thread, author, body, language, reply_to)
    if thread.pair_id is not None:
        activity.record(
            thread.pair,
            ActivityKind.POST_REPLIED,
            author,
            "thread",
            thread.id,
            thread.title,
            core_only=not thread.open_to_network,
        )
    mentioned = _notify_mentions(thread, post, author, set())
    followers = db.session.scalars(
        select(User)
        .join(ThreadSubscription, ThreadSubscription.user_id == User.id)
        .where(
            ThreadSubscription.thread_id == thread.id,
            ThreadSubscription.state == SubscriptionState.FOLLOW,
        )
        .order_by(User.id)
    )
    readers = [u for u in followers if u.id not in mentioned and policy.can_see_thread(u, thread)]
    _notify_about_post(readers, NotificationKind.REPLY, thread, post, author)
    return post


def _write_post(
    thread: Thread, author: User, body: str, language: str, reply_to: Post | None = None
) -> Post:
    now = utcnow()
    post = Post(thread=thread, author=author, language=language, reply_to=reply_to, created_at=now)
    db.session.add(post)
    db.session.flush()
    revision = PostRevision(
        post=post, body=body, body_html=markdown.render(body), author=author, created_at=now
    )
    db.session.add(revision)
    db.session.flush()
    post.current_revision = revision
    thread.last_post_id = post.id
    thread.last_post_at = now
    thread.post_count = (thread.post_count or 0) + 1
    sub = subscription(author, thread, create=True)
    if sub.state is None:
        sub.state = SubscriptionState.FOLLOW  # writing in a thread follows it, unless muted
    sub.last_read_post_id = post.id
    return post


def edit_post(post: Post, editor: User, body: str) -> bool:
    """A new revision when the text changed; returns whether it did."""
    if body == post.body:
        return False
    now = utcnow()
    revision = PostRevision(
        post=post, body=body, body_html=markdown.render(body), author=editor, created_at=now
    )
    db.session.add(revision)
    db.session.flush()
    post.current_revision = revision
    post.edited_at = now
    mark_changed(post.thread)
    already = set(
        db.session.scalars(select(PostMention.user_id).where(PostMention.post_id == post.id))
    )
    _notify_mentions(post.thread, post, editor, already)
    return True


def delete_post(post: Post) -> None:
    """Soft delete: the post stays in place, shown as deleted; its history stays too. Its
    files go: no one can download them any more, so they should not stay on the disk."""
    post.deleted_at = utcnow()
    for attachment in list(post.attachments):
        attachments.remove(attachment)
    mark_changed(post.thread)


def mark_changed(thread: Thread) -> None:
    """Tell live pages that posts already shown changed (new posts move last_post_id).
    Counted in SQL, so two changes committed at once still move it twice."""
    thread.change_count = Thread.change_count + 1


# Mentions -------------------------------------------------------------------------------


def mentionable(thread: Thread) -> list[User]:
    """The people who can see the thread (and so may be mentioned), by name.

    Pair threads: the pair's members (less network members when core-only) and the
    cluster's consultants. Cluster threads: the consultants and the core members of the
    cluster's pairs. Two queries, whatever the numbers."""
    if thread.pair_id is not None:
        members = select(Membership.user_id).where(Membership.pair_id == thread.pair_id)
        if not thread.open_to_network:
            members = members.where(Membership.role != Role.NETWORK)
        cluster_id = thread.pair.cluster_id
    else:
        members = (
            select(Membership.user_id)
            .join(Pair, Pair.id == Membership.pair_id)
            .where(Pair.cluster_id == thread.cluster_id, Membership.role != Role.NETWORK)
        )
        cluster_id = thread.cluster_id
    consultants = select(cluster_consultant.c.user_id).where(
        cluster_consultant.c.cluster_id == cluster_id
    )
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.id.in_(members), User.id.in_(consultants)))
            .order_by(User.name, User.id)
        )
    )


def find_mentions(body: str, people: list[User]) -> list[User]:
    by_handle = {handle(u).casefold(): u for u in people}
    found: dict[int, User] = {}
    for match in MENTION.finditer(body or ""):
        word = match.group(1).rstrip(".-").casefold()
        user = by_handle.get(word)
        if user is not None:
            found[user.id] = user
    return list(found.values())


def _notify_mentions(thread: Thread, post: Post, author: User, already: set[int]) -> set[int]:
    """Records and notifies new mentions in the post; returns the ids of everyone it names."""
    people = find_mentions(post.body, mentionable(thread))
    people = [u for u in people if policy.can_see_thread(u, thread)]
    new = [u for u in people if u.id not in already and u.id != author.id]
    for user in new:
        db.session.add(PostMention(post_id=post.id, user_id=user.id))
    _notify_about_post(new, NotificationKind.MENTION, thread, post, author)
    return {u.id for u in people}


def _notify_about_post(recipients, kind: NotificationKind, thread: Thread, post: Post, author):
    notify(
        recipients,
        kind,
        actor=author,
        pair=thread.pair,
        subject_type="thread",
        subject_id=thread.id,
        url=thread_url(thread, post),
        title=thread.title,
    )


# Moderation -----------------------------------------------------------------------------

THREAD_ACTIONS = {
    ModerationKind.PIN: ("pinned", True),
    ModerationKind.UNPIN: ("pinned", False),
    ModerationKind.LOCK: ("locked", True),
    ModerationKind.UNLOCK: ("locked", False),
    ModerationKind.HIDE: ("hidden", True),
    ModerationKind.RESTORE: ("hidden", False),
}
POST_ACTIONS = (ModerationKind.HIDE, ModerationKind.RESTORE)
MODERATION_LABELS = {
    ModerationKind.PIN: _l("Pin"),
    ModerationKind.UNPIN: _l("Unpin"),
    ModerationKind.LOCK: _l("Lock"),
    ModerationKind.UNLOCK: _l("Unlock"),
    ModerationKind.HIDE: _l("Hide"),
    ModerationKind.RESTORE: _l("Restore"),
}


def moderate_thread(thread: Thread, actor: User, action: ModerationKind, reason: str) -> None:
    attribute, value = THREAD_ACTIONS[action]
    setattr(thread, attribute, value)
    if attribute == "hidden":
        thread.hidden_reason = reason if value else ""
    mark_changed(thread)
    _log(actor, action, thread, None, reason, thread.created_by)


def moderate_post(post: Post, actor: User, action: ModerationKind, reason: str) -> None:
    if action not in POST_ACTIONS:
        raise ValueError(action)
    post.hidden = action is ModerationKind.HIDE
    post.hidden_reason = reason if post.hidden else ""
    mark_changed(post.thread)
    _log(actor, action, post.thread, post, reason, post.author)


def _log(actor, action, thread, post, reason, author: User | None) -> None:
    db.session.add(
        ModerationAction(
            actor=actor, action=action, thread=thread, post=post, reason=reason.strip()
        )
    )
    target = f"post {post.id}" if post is not None else f"thread {thread.id}"
    audit.record(
        AuditAction.MODERATION,
        actor=actor,
        subject_user=author,
        pair=thread.pair,
        detail=f"{action.value} {target}: {reason.strip()}",
    )
    if author is not None and policy.can_see_thread(author, thread):
        notify(
            [author],
            NotificationKind.MODERATION,
            actor=actor,
            pair=thread.pair,
            subject_type="thread",
            subject_id=thread.id,
            url=thread_url(thread, post),
            title=thread.title,
            detail=reason.strip(),
        )


# Reading --------------------------------------------------------------------------------


@dataclass
class ThreadRow:
    thread: Thread
    unread: bool
    state: SubscriptionState | None


def thread_list(
    viewer: User,
    *,
    pair: Pair | None = None,
    cluster_id: int | None = None,
    before: tuple | None = None,
) -> tuple[list[ThreadRow], tuple | None]:
    """The threads of a pair or a cluster the viewer may see: pinned ones first (on the
    first page), then by latest post, paged by keyset (last_post_at, id). Returns the rows
    and the key of the next page, if any. Two queries whatever the data."""
    if pair is not None:
        query = select(Thread).where(Thread.pair_id == pair.id)
        if not policy.can_see_core_only_items(viewer, pair):
            query = query.where(Thread.open_to_network.is_(True))
        moderates = policy.can_moderate(viewer, pair)
    else:
        query = select(Thread).where(Thread.cluster_id == cluster_id)
        moderates = policy.cluster_standing(viewer, cluster_id)[0]
    if not moderates:
        query = query.where(or_(Thread.hidden.is_(False), Thread.created_by_id == viewer.id))
    sub = ThreadSubscription
    query = (
        query.outerjoin(sub, and_(sub.thread_id == Thread.id, sub.user_id == viewer.id))
        .add_columns(sub.last_read_post_id, sub.state)
        .options(joinedload(Thread.created_by))
    )
    pinned = []
    if before is None:
        pinned = list(
            db.session.execute(
                query.where(Thread.pinned.is_(True)).order_by(
                    Thread.last_post_at.desc(), Thread.id.desc()
                )
            )
        )
    rest = query.where(Thread.pinned.is_(False))
    if before is not None:
        at, thread_id = before
        rest = rest.where(
            or_(
                Thread.last_post_at < at,
                and_(Thread.last_post_at == at, Thread.id < thread_id),
            )
        )
    rest = list(
        db.session.execute(
            rest.order_by(Thread.last_post_at.desc(), Thread.id.desc()).limit(THREADS_PER_PAGE + 1)
        )
    )
    more = len(rest) > THREADS_PER_PAGE
    rest = rest[:THREADS_PER_PAGE]
    rows = [
        ThreadRow(t, unread=t.last_post_id > (read or 0), state=state)
        for t, read, state in pinned + rest
    ]
    after = (rest[-1][0].last_post_at, rest[-1][0].id) if more else None
    return rows, after


@dataclass
class PostPage:
    posts: list[Post]
    older: int | None  # ?before= for the page of older posts
    newer: int | None  # ?after= for the page of newer posts

    @property
    def is_latest(self) -> bool:
        return self.newer is None


@cache
def _poll_statement():
    # Built once: composing it costs more than running it, and the poll runs every 5 s.
    user_id = bindparam("user_id")
    return (
        select(
            Thread,
            Pair,
            User,
            *policy.pair_standing_columns(user_id, Thread.pair_id, Pair.cluster_id),
            *policy.cluster_standing_columns(user_id, Thread.cluster_id),
        )
        .outerjoin(Pair, Pair.id == Thread.pair_id)
        .join(User, User.id == user_id)
        .where(Thread.id == bindparam("thread_id"))
        .options(contains_eager(Thread.pair))
    )


def thread_for_poll(thread_id: int, user_id: int | None) -> tuple[Thread | None, User | None]:
    """The live poll's one statement, by primary keys: the thread, its pair, the signed-in
    account and the account's standing toward the thread. The account waits in the identity
    map for Flask-Login's loader (which still checks the session token; the caller holds it
    until then, as the map keeps objects only while they are referenced), the standing in
    the policy's cache: the access check and a 304 need nothing more."""
    if user_id is None:
        return None, None
    row = db.session.execute(
        _poll_statement(), {"thread_id": thread_id, "user_id": user_id}
    ).first()
    if row is None:
        return None, None
    thread, _pair, user, role, side, consults_pair, consults_cluster, core_member = row
    if thread.pair_id is not None:
        policy.remember_pair_standing(user, thread.pair_id, role, side, consults_pair)
    else:
        policy.remember_cluster_standing(user, thread.cluster_id, consults_cluster, core_member)
    return thread, user


@cache
def _shown_post_loads() -> tuple:
    """What a shown post needs, in the same query (attachments in one more): of its author
    and the author it replies to only what names them (not hashes, addresses, settings),
    of its revision only the HTML. Built once: loader options cost to compose."""

    def names(author):
        return author.load_only(User.name, User.erased_at)

    return (
        names(joinedload(Post.author)),
        joinedload(Post.current_revision).load_only(PostRevision.body_html),
        names(joinedload(Post.reply_to).load_only(Post.author_id).joinedload(Post.author)),
        selectinload(Post.attachments),
    )


def post_page(thread: Thread, after: int | None = None, before: int | None = None) -> PostPage:
    """One page of posts, oldest first, by keyset on the id: the first page, the page after
    a post, or the page before one. One query (plus one per eager-loaded relation)."""
    query = select(Post).where(Post.thread_id == thread.id).options(*_shown_post_loads())
    if before is not None:
        rows = list(
            db.session.scalars(
                query.where(Post.id < before).order_by(Post.id.desc()).limit(POSTS_PER_PAGE + 1)
            )
        )
        has_older = len(rows) > POSTS_PER_PAGE
        posts = list(reversed(rows[:POSTS_PER_PAGE]))
    else:
        if after is not None:
            query = query.where(Post.id > after)
        posts = list(db.session.scalars(query.order_by(Post.id).limit(POSTS_PER_PAGE)))
        has_older = bool(after)
    # The thread row knows its newest post: no query needed to tell whether more follow.
    has_newer = bool(posts) and posts[-1].id < thread.last_post_id
    return PostPage(
        posts=posts,
        older=posts[0].id if posts and has_older else None,
        newer=posts[-1].id if posts and has_newer else None,
    )


def posts_after(thread: Thread, after: int) -> list[Post]:
    """New posts for the live poll (a page at most)."""
    return post_page(thread, after=after).posts


def posts_between(thread: Thread, first: int, last: int) -> list[Post]:
    """The posts a live page shows, from its first to its newest (the newest two pages at
    most), oldest first: the poll sends them again when the thread's change count moved."""
    rows = db.session.scalars(
        select(Post)
        .where(Post.thread_id == thread.id, Post.id >= first, Post.id <= last)
        .options(*_shown_post_loads())
        .order_by(Post.id.desc())
        .limit(2 * POSTS_PER_PAGE)
    )
    return list(reversed(list(rows)))


def post_version(post: Post) -> str:
    """A fingerprint of what a post shows, so a live page replaces only the posts that
    changed (and keeps its unread markers and focus on the others)."""
    shown = (
        post.current_revision_id,
        post.deleted_at is not None,
        post.hidden,
        post.hidden_reason,
        [a.id for a in post.attachments],
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:12]


def revisions(post: Post) -> list[PostRevision]:
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .options(selectinload(PostRevision.author))
            .order_by(PostRevision.id.desc())
        )
    )
