"""The timeline: upcoming events, then past events merged with the activity stream, paged by
keyset; event changes with their activity and notifications; calendar-feed tokens."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from .. import db, policy
from ..activity import record
from ..models import (
    Activity,
    ActivityKind,
    CalendarFeedToken,
    Event,
    EventKind,
    EventParticipant,
    Membership,
    NotificationKind,
    Pair,
    PlanStatus,
    Side,
    User,
    cluster_consultant,
    utcnow,
)
from ..models.timeline import hash_feed_token
from ..notifications.services import notify

PAGE_SIZE = 25
UPCOMING_LIMIT = 50

# Ranks break ties between an event and an activity entry at the same instant.
EVENT_RANK, ACTIVITY_RANK = 1, 0


# Time zones -----------------------------------------------------------------------------


def to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time in ``timezone`` (naive, as a form gives it) as an aware UTC time."""
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_local(moment: datetime, timezone: str) -> datetime:
    """An aware time as the naive wall-clock time in ``timezone`` (to fill a form)."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


# The merged stream ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page of the stream ends: (time, rank, id), compared newest first."""

    at: datetime
    rank: int
    id: int

    def encode(self) -> str:
        return f"{self.at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%f')}~{self.rank}~{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        if not text:
            return None
        try:
            at, rank, id_ = text.split("~")
            moment = datetime.strptime(at, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
            rank = int(rank)
            if rank not in (EVENT_RANK, ACTIVITY_RANK):
                return None
            return cls(moment, rank, int(id_))
        except ValueError:
            return None


@dataclass(frozen=True)
class Entry:
    at: datetime
    rank: int
    id: int
    event: Event | None = None
    activity: Activity | None = None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.rank, self.id)


@dataclass(frozen=True)
class Filter:
    """What the kind filter lets through: events of some kinds, activity of some kinds."""

    event_kinds: frozenset
    activity_kinds: frozenset

    @classmethod
    def parse(cls, code: str | None) -> "Filter":
        every_event, every_activity = frozenset(EventKind), frozenset(ActivityKind)
        if code == "events":
            return cls(every_event, frozenset())
        if code == "activity":
            return cls(frozenset(), every_activity)
        if code in EventKind._value2member_map_:
            return cls(frozenset({EventKind(code)}), frozenset())
        if code in ActivityKind._value2member_map_:
            return cls(frozenset(), frozenset({ActivityKind(code)}))
        return cls(every_event, every_activity)


def _before(column, id_column, rank: int, cursor: Cursor):
    """Rows of this rank whose (time, rank, id) comes after the cursor, newest first."""
    if rank == cursor.rank:
        return or_(column < cursor.at, and_(column == cursor.at, id_column < cursor.id))
    if rank > cursor.rank:  # same instant, higher rank: already shown
        return column < cursor.at
    return column <= cursor.at


def visible_activity(pair: Pair, user):
    query = select(Activity).where(Activity.pair_id == pair.id)
    if not policy.can_see_core_only_items(user, pair):
        query = query.where(Activity.core_only.is_(False))
    return query


def upcoming_events(pair: Pair, kinds: frozenset, now: datetime) -> list[Event]:
    if not kinds:
        return []
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.pair_id == pair.id, Event.starts_at >= now, Event.kind.in_(kinds))
            .order_by(Event.starts_at, Event.id)
            .limit(UPCOMING_LIMIT)
        )
    )


def stream_page(
    pair: Pair,
    user,
    flt: Filter,
    cursor: Cursor | None,
    now: datetime,
    size: int = PAGE_SIZE,
) -> tuple[list[Entry], Cursor | None]:
    """One page of past events and activity, newest first, and the cursor of the next page.

    Two queries (events, activity), each limited to one more than a page, merged here."""
    entries: list[Entry] = []
    if flt.event_kinds:
        query = select(Event).where(
            Event.pair_id == pair.id, Event.starts_at < now, Event.kind.in_(flt.event_kinds)
        )
        if cursor is not None:
            query = query.where(_before(Event.starts_at, Event.id, EVENT_RANK, cursor))
        query = query.order_by(Event.starts_at.desc(), Event.id.desc()).limit(size + 1)
        entries += [
            Entry(e.starts_at, EVENT_RANK, e.id, event=e) for e in db.session.scalars(query)
        ]
    if flt.activity_kinds:
        query = visible_activity(pair, user).where(Activity.kind.in_(flt.activity_kinds))
        if cursor is not None:
            query = query.where(_before(Activity.created_at, Activity.id, ACTIVITY_RANK, cursor))
        query = (
            query.options(joinedload(Activity.actor))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(size + 1)
        )
        entries += [
            Entry(a.created_at, ACTIVITY_RANK, a.id, activity=a) for a in db.session.scalars(query)
        ]
    entries.sort(key=lambda e: (e.at, e.rank, e.id), reverse=True)
    page = entries[:size]
    more = len(entries) > size
    return page, (page[-1].cursor if more else None)


def new_activity(pair: Pair, user, flt: Filter, after_id: int) -> list[Activity]:
    """Activity recorded after the newest entry a page shows (for the live poll), newest
    first."""
    if not flt.activity_kinds:
        return []
    return list(
        db.session.scalars(
            visible_activity(pair, user)
            .where(Activity.id > after_id, Activity.kind.in_(flt.activity_kinds))
            .options(joinedload(Activity.actor))
            .order_by(Activity.id.desc())
            .limit(PAGE_SIZE)
        )
    )


def stamp(pair: Pair) -> tuple[str, int, str]:
    """An ETag that changes whenever the timeline does, the newest activity id, and a mark
    that changes with the events alone (the poll then refreshes the upcoming events).

    One statement, two index lookups: the newest activity (ix_activity_pair_newest) and the
    latest event change (ix_event_pair_updated)."""
    newest, changed = db.session.execute(
        select(
            select(func.max(Activity.id)).where(Activity.pair_id == pair.id).scalar_subquery(),
            select(func.max(Event.updated_at)).where(Event.pair_id == pair.id).scalar_subquery(),
        )
    ).one()
    # (SQLite gives max() of a timestamp as text, PostgreSQL a datetime: either names it.)
    digest = hashlib.sha256(f"{pair.id}:{newest or 0}:{changed}".encode()).hexdigest()[:20]
    events = hashlib.sha256(f"{pair.id}:{changed}".encode()).hexdigest()[:12]
    return f"tl-{digest}", newest or 0, events


# Activity as sentences, with links where the subject has a page -------------------------

# subject_type → (endpoint, URL arguments); other areas' endpoints are linked only once they
# exist, so an entry about a subject without a page is plain text.
SUBJECT_ENDPOINTS = {
    "event": ("timeline.event", lambda a: {"pair_id": a.pair_id, "event_id": a.subject_id}),
    "thread": ("threads.show", lambda a: {"thread_id": a.subject_id}),
    "task": ("tasks.index", lambda a: {"pair_id": a.pair_id, "_anchor": f"task-{a.subject_id}"}),
    "membership": ("pairs.overview", lambda a: {"pair_id": a.pair_id}),
    "assessment": (
        "benchmarks.assessment",
        lambda a: {"pair_id": a.pair_id, "_anchor": f"factor-{a.subject_id}"},
    ),
    "plan": ("plans.show", lambda a: {"pair_id": a.pair_id, "plan_id": a.subject_id}),
}
# A review step names the plan with its new status (plan_approved …; plans/review.py).
SUBJECT_ENDPOINTS.update(
    {f"plan_{status.value}": SUBJECT_ENDPOINTS["plan"] for status in PlanStatus}
)


def subject_url(activity: Activity) -> str | None:
    target = SUBJECT_ENDPOINTS.get(activity.subject_type)
    if target is None:
        return None
    endpoint, arguments = target
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **arguments(activity))
    except BuildError:
        return None


# Events ---------------------------------------------------------------------------------


def event_or_404(pair: Pair, event_id: int, *, with_people: bool = False) -> Event:
    query = select(Event).where(Event.id == event_id, Event.pair_id == pair.id)
    if with_people:
        query = query.options(
            selectinload(Event.participants).joinedload(EventParticipant.user),
            selectinload(Event.participants).joinedload(EventParticipant.organisation),
            joinedload(Event.created_by),
            selectinload(Event.follow_up_tasks),
            selectinload(Event.attachments),
        )
    event = db.session.scalar(query)
    if event is None:
        abort(404)
    return event


def create_event(pair: Pair, actor: User, **fields) -> Event:
    event = Event(pair_id=pair.id, created_by_id=actor.id, **fields)
    db.session.add(event)
    db.session.flush()
    record(pair, ActivityKind.EVENT_CREATED, actor, "event", event.id, event.title)
    return event


VISIT_FIELDS = ("agenda", "what_was_seen", "findings")


def change_event(event: Event, actor: User, **fields) -> bool:
    """Apply the changes; record and notify the participants only if something changed."""
    changed = False
    for name, value in fields.items():
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed = True
    if changed:
        event.updated_at = utcnow()
        record(event.pair_id, ActivityKind.EVENT_CHANGED, actor, "event", event.id, event.title)
        tell_participants(event, actor)
    return changed


def tell_participants(event: Event, actor: User) -> None:
    pair = event.pair
    people = [p.user for p in event.participants if p.user is not None]
    notify(
        [u for u in people if policy.can_see_pair(u, pair)],
        NotificationKind.EVENT_CHANGED,
        actor=actor,
        pair=pair,
        subject_type="event",
        subject_id=event.id,
        url=url_for("timeline.event", pair_id=pair.id, event_id=event.id),
        title=event.title,
    )


def pair_members(pair: Pair) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.pair_id == pair.id)
            .options(joinedload(Membership.user), joinedload(Membership.organisation))
            .join(User, User.id == Membership.user_id)
            .order_by(Membership.side, User.name)
        )
    )


def pair_organisations(pair: Pair, members: list[Membership]) -> list[tuple]:
    """(organisation, side) for the pair's cities and associations and its members'
    organisations, each once."""
    found: dict[int, tuple] = {}
    for org, side in (
        (pair.mentor_city, Side.MENTOR),
        (pair.mentor_association, Side.MENTOR),
        (pair.mentee_city, Side.MENTEE),
        (pair.mentee_association, Side.MENTEE),
    ):
        if org is not None:
            found.setdefault(org.id, (org, side))
    for m in members:
        if m.organisation is not None:
            found.setdefault(m.organisation.id, (m.organisation, m.side))
    return list(found.values())


def set_participants(
    event: Event, members: list[Membership], user_ids: list[int], organisations, org_ids: list[int]
) -> None:
    """Replace the participants with the chosen members (on their own side) and organisations
    (on the side they belong to); anything not offered is ignored."""
    by_user = {m.user_id: m for m in members}
    org_sides = {org.id: side for org, side in organisations}
    wanted_users = {i for i in user_ids if i in by_user}
    wanted_orgs = {i for i in org_ids if i in org_sides}
    for p in list(event.participants):
        chosen = p.user_id in wanted_users if p.user_id is not None else None
        if chosen is None:
            chosen = p.organisation_id in wanted_orgs
        if not chosen:
            event.participants.remove(p)
    have_users = {p.user_id for p in event.participants if p.user_id is not None}
    have_orgs = {p.organisation_id for p in event.participants if p.organisation_id is not None}
    for user_id in sorted(wanted_users - have_users):
        event.participants.append(EventParticipant(user_id=user_id, side=by_user[user_id].side))
    for org_id in sorted(wanted_orgs - have_orgs):
        event.participants.append(EventParticipant(organisation_id=org_id, side=org_sides[org_id]))


# Calendar feeds -------------------------------------------------------------------------


def feed_token_for(row: CalendarFeedToken) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"calendar-feed:{row.user_id}:{row.salt}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def existing_feed_token(user: User) -> str | None:
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))
    return feed_token_for(row) if row is not None else None


def feed_token(user: User, *, renew: bool = False) -> str:
    """The user's feed token, made on first use; ``renew`` replaces it (old URLs stop)."""
    row = db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))
    if row is None:
        row = CalendarFeedToken(user_id=user.id, token_hash="")
        db.session.add(row)
        renew = True
    if renew:
        row.salt = secrets.token_hex(16)
        row.created_at = utcnow()
        row.token_hash = hash_feed_token(feed_token_for(row))
    return feed_token_for(row)


def user_by_feed_token(token: str) -> User | None:
    row = db.session.scalar(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.token_hash == hash_feed_token(token))
        .options(joinedload(CalendarFeedToken.user))
    )
    if row is None or not hmac.compare_digest(feed_token_for(row), token):
        return None
    return row.user


def feed_pair_ids(user: User) -> list[int]:
    """The pairs in a user's own feed: where they are a member or a consultant."""
    member = select(Membership.pair_id).where(Membership.user_id == user.id)
    consulted = (
        select(Pair.id)
        .join(cluster_consultant, cluster_consultant.c.cluster_id == Pair.cluster_id)
        .where(cluster_consultant.c.user_id == user.id)
    )
    return sorted(set(db.session.scalars(member)) | set(db.session.scalars(consulted)))


def feed_events(pair_ids: list[int]) -> list[Event]:
    if not pair_ids:
        return []
    return list(
        db.session.scalars(
            select(Event).where(Event.pair_id.in_(pair_ids)).order_by(Event.starts_at, Event.id)
        )
    )


# Follow-up tasks (through the tasks area's services) ----------------------------------------


def follow_ups_available() -> bool:
    """Whether the tasks area offers what follow-ups need (it is built alongside)."""
    from ..tasks import services as tasks

    return hasattr(tasks, "create_task") and hasattr(tasks, "follow_up_list")


def follow_up_tasks(event: Event) -> list:
    return list(event.follow_up_tasks)


def add_follow_up(event: Event, pair: Pair, actor: User, title: str):
    """A task in the pair's follow-up list, linked to the event it came from."""
    from ..tasks import services as tasks

    task = tasks.create_task(tasks.follow_up_list(pair, actor), title, actor)
    event.follow_up_tasks.append(task)
    return task
