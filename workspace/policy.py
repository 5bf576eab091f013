"""Who may do what: the only place access is decided (DESIGN §2).

Routes call these functions (through ``pair_or_404`` and ``require``); templates ask the
same functions, exposed as ``policy``. Pair-scoped answers are "not found" for anyone
outside the pair, so a URL never reveals that a pair exists.
"""

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import db
from .models import Membership, Pair, PlanStatus, Role, Side, User, cluster_consultant


@dataclass(frozen=True)
class Standing:
    """What a user is in one pair: admin, the pair's consultant, a member, or nothing."""

    is_admin: bool = False
    is_consultant: bool = False
    role: Role | None = None
    side: Side | None = None

    @property
    def is_core(self) -> bool:
        return self.role is not None and self.role.is_core

    @property
    def sees_pair(self) -> bool:
        return self.is_admin or self.is_consultant or self.role is not None


NOBODY = Standing()


def standing(user, pair: Pair) -> Standing:
    """The user's standing in the pair, looked up once per request (one statement)."""
    if user is None or not user.is_authenticated:
        return NOBODY
    key = (user.id, pair.id)
    cache = db.cache().setdefault("standings", {})
    if key not in cache:
        role, side, consults = db.session.execute(
            select(*pair_standing_columns(user.id, pair.id, pair.cluster_id))
        ).one()
        remember_pair_standing(user, pair.id, role, side, consults)
    return cache[key]


def pair_standing_columns(user_id, pair_id, cluster_id) -> tuple:
    """What ``standing`` looks up, as SQL expressions (the arguments may be columns), so a
    route can select them with the object they concern: the member's role and side (one
    membership per user and pair) and whether they consult the pair's cluster."""
    member = (Membership.user_id == user_id) & (Membership.pair_id == pair_id)
    return (
        select(Membership.role).where(member).scalar_subquery(),
        select(Membership.side).where(member).scalar_subquery(),
        _consults(user_id, cluster_id),
    )


def remember_pair_standing(user, pair_id: int, role, side, consults) -> None:
    """Keeps what ``pair_standing_columns`` selected as the request's answer."""
    db.cache().setdefault("standings", {})[(user.id, pair_id)] = Standing(
        is_admin=user.is_admin,
        is_consultant=bool(consults),
        role=Role(role) if role is not None else None,
        side=Side(side) if side is not None else None,
    )


def _consults(user_id, cluster_id):
    return (
        select(cluster_consultant.c.cluster_id)
        .where(
            cluster_consultant.c.user_id == user_id, cluster_consultant.c.cluster_id == cluster_id
        )
        .exists()
    )


def consulted_cluster_ids(user) -> frozenset[int]:
    cache = db.cache().setdefault("consulted", {})
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(
                select(cluster_consultant.c.cluster_id).where(
                    cluster_consultant.c.user_id == user.id
                )
            )
        )
    return cache[user.id]


# Pair capabilities ----------------------------------------------------------------------


def can_see_pair(user, pair: Pair) -> bool:
    return standing(user, pair).sees_pair


def can_see_core_only_items(user, pair: Pair) -> bool:
    s = standing(user, pair)
    return s.is_admin or s.is_consultant or s.is_core


def can_contribute(user, pair: Pair) -> bool:
    """Start a thread, create tasks and events."""
    return can_see_core_only_items(user, pair)


def can_moderate(user, pair: Pair) -> bool:
    s = standing(user, pair)
    return s.is_admin or s.is_consultant


def can_edit_plan(user, pair: Pair) -> bool:
    """Edit action-plan sections and translations: the pair's own people, not the admin."""
    s = standing(user, pair)
    return s.is_consultant or s.is_core


def can_comment(user, pair: Pair) -> bool:
    return can_see_pair(user, pair)


def invitable(user, pair: Pair) -> list[tuple[Role, Side]]:
    """The (role, side) combinations this user may invite people to in this pair."""
    s = standing(user, pair)
    everything = [
        (Role.MENTOR, Side.MENTOR),
        (Role.MENTEE, Side.MENTEE),
        (Role.PARTNER, Side.MENTOR),
        (Role.PARTNER, Side.MENTEE),
        (Role.NETWORK, Side.MENTOR),
        (Role.NETWORK, Side.MENTEE),
    ]
    if s.is_admin or s.is_consultant:
        return everything
    if s.is_core:
        return [(Role.NETWORK, s.side)]
    return []


def can_invite(user, pair: Pair, role: Role | None = None, side: Side | None = None) -> bool:
    allowed = invitable(user, pair)
    if role is None:
        return bool(allowed)
    return (role, side) in allowed


# Threads (pair threads and cluster threads) ---------------------------------------------


def cluster_standing(user, cluster_id: int) -> tuple[bool, bool]:
    """(moderates the cluster, is a core member of one of its pairs), looked up once."""
    if user is None or not user.is_authenticated:
        return False, False
    key = (user.id, cluster_id)
    cache = db.cache().setdefault("cluster_standings", {})
    if key not in cache:
        consults, core_member = db.session.execute(
            select(*cluster_standing_columns(user.id, cluster_id))
        ).one()
        remember_cluster_standing(user, cluster_id, consults, core_member)
    return cache[key]


def cluster_standing_columns(user_id, cluster_id) -> tuple:
    """What ``cluster_standing`` looks up, as SQL expressions (see pair_standing_columns)."""
    core_member = (
        select(Membership.id)
        .join(Pair, Pair.id == Membership.pair_id)
        .where(
            Membership.user_id == user_id,
            Pair.cluster_id == cluster_id,
            Membership.role != Role.NETWORK,
        )
        .exists()
    )
    return _consults(user_id, cluster_id), core_member


def remember_cluster_standing(user, cluster_id: int, consults, core_member) -> None:
    db.cache().setdefault("cluster_standings", {})[(user.id, cluster_id)] = (
        user.is_admin or bool(consults),
        bool(core_member),
    )


def can_see_thread(user, thread) -> bool:
    """Pair threads: the pair, less network members where the thread is core-team only.
    Cluster threads: the cluster's consultants and the core members of its pairs."""
    if thread.pair_id is not None:
        pair = thread.pair
        if not can_see_pair(user, pair):
            return False
        return thread.open_to_network or can_see_core_only_items(user, pair)
    moderates, core_member = cluster_standing(user, thread.cluster_id)
    return moderates or core_member


def can_moderate_thread(user, thread) -> bool:
    if thread.pair_id is not None:
        return can_moderate(user, thread.pair)
    return cluster_standing(user, thread.cluster_id)[0]


def can_start_cluster_thread(user, cluster_id: int) -> bool:
    return any(cluster_standing(user, cluster_id))


def can_reply(user, thread) -> bool:
    """Everyone who sees the thread, while it is unlocked; moderators even when locked."""
    if not can_see_thread(user, thread) or thread.hidden and not can_moderate_thread(user, thread):
        return False
    return not thread.locked or can_moderate_thread(user, thread)


def can_read_thread(user, thread) -> bool:
    """A hidden thread's posts stay readable for its author and moderators; others who see
    the thread get a placeholder."""
    return not thread.hidden or thread.created_by_id == user.id or can_moderate_thread(user, thread)


@dataclass(frozen=True)
class PostRights:
    """What one user may do with the posts of one thread: the thread's answers are decided
    once, so a page of fifty posts asks only about each post itself."""

    user_id: int | None = None
    sees_thread: bool = False
    reads_thread: bool = False
    moderates: bool = False
    replies: bool = False

    def reads(self, post) -> bool:
        """A hidden post (and its history) stays readable for its author and moderators."""
        return self.reads_thread and (
            not post.hidden or post.author_id == self.user_id or self.moderates
        )

    def edits(self, post) -> bool:
        """Authors edit and delete their own posts, while they can still see the thread."""
        return (
            self.sees_thread
            and self.user_id is not None
            and post.author_id == self.user_id
            and post.deleted_at is None
        )


def post_rights(user, thread) -> PostRights:
    if user is None or not user.is_authenticated or not can_see_thread(user, thread):
        return PostRights()
    return PostRights(
        user_id=user.id,
        sees_thread=True,
        reads_thread=can_read_thread(user, thread),
        moderates=can_moderate_thread(user, thread),
        replies=can_reply(user, thread),
    )


def can_read_post(user, post) -> bool:
    return post_rights(user, post.thread).reads(post)


def can_edit_post(user, post) -> bool:
    return post_rights(user, post.thread).edits(post)


# Tasks and events -----------------------------------------------------------------------


def can_manage_tasks(user, pair: Pair) -> bool:
    """Create lists and tasks, assign, reorder: the pair's core team, consultant, admin."""
    return can_contribute(user, pair)


def can_update_task(user, task) -> bool:
    """Change a task's status: who manages tasks, and the people it is assigned to."""
    return can_manage_tasks(user, task.pair) or any(u.id == user.id for u in task.assignees)


def can_manage_events(user, pair: Pair) -> bool:
    return can_contribute(user, pair)


def can_remove_attachment(user, attachment) -> bool:
    """Remove a file: its uploader, or who may edit the post (its author) or moderate its
    thread, or manage the event; always only while they can see the file."""
    if not user.is_authenticated:
        return False
    own = attachment.uploaded_by_id == user.id
    if attachment.event_id is not None:
        pair = attachment.event.pair
        return can_see_pair(user, pair) and (own or can_manage_events(user, pair))
    post = attachment.post
    if post.deleted_at is not None or not can_see_thread(user, post.thread):
        return False
    if can_moderate_thread(user, post.thread):
        return True
    return can_read_post(user, post) and (own or can_edit_post(user, post))


# Action plans and self-assessment (DESIGN §5) -------------------------------------------


def can_assess(user, pair: Pair) -> bool:
    """Rate the pair's key factors: the people who edit its plans."""
    return can_edit_plan(user, pair)


def can_create_plan(user, pair: Pair) -> bool:
    return can_edit_plan(user, pair)


def can_edit_plan_text(user, plan) -> bool:
    """Edit sections, translations and actions: plan editors, while the plan is a draft."""
    return plan.status is PlanStatus.DRAFT and can_edit_plan(user, plan.pair)


def can_comment_on_plan(user, plan) -> bool:
    """Everyone who sees the pair (network members too), until the plan is adopted."""
    return plan.status is not PlanStatus.ADOPTED and can_comment(user, plan.pair)


def can_resolve_comment(user, comment) -> bool:
    """Resolve or reopen a comment thread: its author and the plan's editors."""
    plan = comment.section.plan
    return can_comment_on_plan(user, plan) and (
        comment.author_id == user.id or can_edit_plan(user, plan.pair)
    )


def can_submit_plan(user, plan) -> bool:
    """Send a draft for review: a core member of the pair."""
    return plan.status is PlanStatus.DRAFT and standing(user, plan.pair).is_core


def can_review_plan(user, plan) -> bool:
    """Approve or request changes: the pair's consultant, while the plan is in review."""
    return plan.status is PlanStatus.IN_REVIEW and standing(user, plan.pair).is_consultant


def can_adopt_plan(user, plan) -> bool:
    """Adopt an approved plan: the mentee side's core members."""
    s = standing(user, plan.pair)
    return plan.status is PlanStatus.APPROVED and s.is_core and s.side is Side.MENTEE


def can_start_plan_version(user, plan) -> bool:
    """Start a new version from an adopted plan."""
    return plan.status is PlanStatus.ADOPTED and can_edit_plan(user, plan.pair)


# Programme capabilities -----------------------------------------------------------------


def can_manage_programme(user) -> bool:
    """Manage pairs, clusters, organisations and memberships; invite anyone."""
    return bool(user and user.is_authenticated and user.is_admin)


def can_see_consent(user, consent) -> bool:
    """A recorded consent is its giver's own business (admins read it in the register)."""
    return bool(user and user.is_authenticated and consent.user_id == user.id)


def can_withdraw_consent(user, consent) -> bool:
    return can_see_consent(user, consent) and consent.withdrawn_at is None


def can_see_profile(viewer, other: User) -> bool:
    """Profiles are visible to people who share a pair (and to admins)."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_admin or viewer.id == other.id:
        return True
    mine = select(Membership.pair_id).where(Membership.user_id == viewer.id)
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == other.id, Membership.pair_id.in_(mine)
            )
        )
        is not None
    )


# Privacy --------------------------------------------------------------------------------


def can_export_data(user) -> bool:
    """Download one's own data: anyone signed in (an erased account cannot sign in)."""
    return bool(user and user.is_authenticated and user.erased_at is None)


def can_erase_account(user, account: User) -> bool:
    """Erase an account: one's own, or anyone's for the programme administrator."""
    if not (user and user.is_authenticated) or account.erased_at is not None:
        return False
    return user.id == account.id or user.is_admin


# Search ---------------------------------------------------------------------------------


def can_search(user) -> bool:
    """Anyone signed in searches; what they find is limited by ``searchable_documents``."""
    return bool(user and user.is_authenticated)


def searchable_documents(user):
    """The search documents ``user`` may find, as one SQL condition (the rules above, in the
    query): admins everything; pair members their pairs, less core-team-only items for
    network members; consultants their clusters' pairs and cluster threads; core members the
    threads of their pairs' clusters. Hidden content (hidden or deleted posts, hidden
    threads) is never found, even by those who may still read it on its page."""
    from sqlalchemy import and_, false, not_, or_

    from .models import SearchDocument as D  # noqa: N814

    if not can_search(user):
        return false()
    shown = not_(D.hidden)
    if user.is_admin:
        return shown
    pairs = select(Membership.pair_id).where(Membership.user_id == user.id)
    core_pairs = pairs.where(Membership.role != Role.NETWORK)
    consulted = select(cluster_consultant.c.cluster_id).where(
        cluster_consultant.c.user_id == user.id
    )
    consulted_pairs = select(Pair.id).where(Pair.cluster_id.in_(consulted))
    core_clusters = (
        select(Pair.cluster_id)
        .join(Membership, Membership.pair_id == Pair.id)
        .where(Membership.user_id == user.id, Membership.role != Role.NETWORK)
    )
    return and_(
        shown,
        or_(
            D.pair_id.in_(core_pairs),
            D.pair_id.in_(consulted_pairs),
            and_(D.pair_id.in_(pairs), not_(D.core_only)),
            and_(
                D.pair_id.is_(None),
                or_(D.cluster_id.in_(consulted), D.cluster_id.in_(core_clusters)),
            ),
        ),
    )


# Route helpers --------------------------------------------------------------------------


def pair_or_404(pair_id: int, may=None) -> Pair:
    """Load the pair the URL names; 404 unless the user sees it, 403 without the right."""
    # With both cities: every pair page names the pair (Pair.name).
    pair = db.session.get(
        Pair, pair_id, options=[joinedload(Pair.mentor_city), joinedload(Pair.mentee_city)]
    )
    if pair is None or not can_see_pair(current_user, pair):
        abort(404)
    if may is not None and not may(current_user, pair):
        abort(403)
    return pair


def programme_admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not can_manage_programme(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# Exposed to templates as ``policy``.
TEMPLATE_FUNCTIONS = {
    name: obj for name, obj in globals().items() if name.startswith("can_") or name == "invitable"
}
