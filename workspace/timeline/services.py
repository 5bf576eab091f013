"""The timeline: upcoming events, then past events merged with the activity stream, paged by
keyset; event changes with their activity and notifications; calendar-feed tokens."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import abort, current_app, url_for
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
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
from ..models.base import UTCDateTime
from ..models.timeline import hash_feed_token
from ..notifications.services import notify
from .forms import EVENT_KINDS

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


class Entry(NamedTuple):
    """One line of the timeline, ready to show: an event, or an activity entry as a sentence
    (``sentence`` is None for an event). Everything the template prints but the time is
    worked out here, once, so a list renders in one plain loop."""

    at: datetime
    rank: int
    id: int
    modifier: str  # after "timeline-entry--"
    iso: str
    title: str = ""
    url: str | None = None
    label: str = ""  # an event's kind
    language: str = ""
    place: str = ""
    sentence: Markup | None = None

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


def _kinds(kinds: frozenset, every: type) -> str | None:
    """How a statement tests the kind: not at all ("all"), against a list ("some"), or the
    section is left out (None)."""
    if not kinds:
        return None
    return "all" if len(kinds) == len(every) else "some"


def _before(column, id_column, rank: int, cursor_rank: int):
    """Rows of this rank whose (time, rank, id) comes after the cursor, newest first.

    ``column <= :cursor_at`` comes first so that both databases seek the index to the cursor
    instead of reading past the newer rows."""
    at = bindparam("cursor_at")
    if rank == cursor_rank:
        return and_(column <= at, or_(column < at, id_column < bindparam("cursor_id")))
    if rank > cursor_rank:  # same instant, higher rank: already shown
        return column < at
    return column <= at


# The sections of the page's one statement; a past event's and an activity entry's section are
# their ranks. The stamp's row carries the newest activity id as id and the latest event
# change as at.
UPCOMING, PAST_EVENT, ACTIVITY, STAMP = 2, EVENT_RANK, ACTIVITY_RANK, 3

# The columns every arm of that statement gives: section, id, at, kind, title, detail, name,
# link, subject_id, actor. An event gives its language, place and online link as detail, name
# and link; an activity entry its subject type, its actor's name and ''; actor is 0 without an
# actor, 1 for a named one, 2 for an erased account.
#
# The statements are built once per shape (which sections, kind tests, cursor) and run with
# the request's values as parameters: building one costs more than running it.


def _event_arm(section: int, kinds: str, conditions: list, order: tuple, limit: int):
    query = select(
        literal_column(str(section)).label("section"),
        Event.id,
        Event.starts_at.label("at"),
        type_coerce(Event.kind, String).label("kind"),
        Event.title,
        Event.language.label("detail"),
        Event.place.label("name"),
        Event.online_url.label("link"),
        Event.id.label("subject_id"),
        literal_column("0").label("actor"),
    ).where(Event.pair_id == bindparam("pair_id"), *conditions)
    if kinds == "some":
        query = query.where(Event.kind.in_(bindparam("event_kinds", expanding=True)))
    return select(query.order_by(*order).limit(limit).subquery())


def _upcoming_arm(kinds: str):
    conditions = [Event.starts_at >= bindparam("now")]
    return _event_arm(UPCOMING, kinds, conditions, (Event.starts_at, Event.id), UPCOMING_LIMIT)


def _activity_arm(kinds: str, hide_core: bool, conditions: list, order: tuple, limit: int):
    """The newest activity entries the user may see, their actors joined to the few rows the
    limit keeps (ix_activity_pair_created reads them in order)."""
    query = select(
        Activity.id,
        Activity.created_at,
        type_coerce(Activity.kind, String).label("kind"),
        Activity.title,
        Activity.subject_type,
        Activity.subject_id,
        Activity.actor_id,
    ).where(Activity.pair_id == bindparam("pair_id"), *conditions)
    if kinds == "some":
        query = query.where(Activity.kind.in_(bindparam("activity_kinds", expanding=True)))
    if hide_core:
        query = query.where(Activity.core_only.is_(False))
    rows = query.order_by(*order).limit(limit).subquery()
    return (
        select(
            literal_column(str(ACTIVITY)).label("section"),
            rows.c.id,
            rows.c.created_at.label("at"),
            rows.c.kind,
            rows.c.title,
            rows.c.subject_type.label("detail"),
            User.name.label("name"),
            literal_column("''").label("link"),
            rows.c.subject_id,
            case(
                (User.id.is_(None), literal_column("0")),
                (User.erased_at.is_(None), literal_column("1")),
                else_=literal_column("2"),
            ).label("actor"),
        )
        .select_from(rows)
        .outerjoin(User, User.id == rows.c.actor_id)
    )


def _stamp_columns() -> tuple:
    """The newest activity id (ix_activity_pair_newest) and the latest event change
    (ix_event_pair_updated) of the pair, read as a time on both databases."""
    newest = select(func.max(Activity.id)).where(Activity.pair_id == bindparam("pair_id"))
    changed = select(func.max(Event.updated_at)).where(Event.pair_id == bindparam("pair_id"))
    return newest.scalar_subquery(), type_coerce(changed.scalar_subquery(), UTCDateTime)


def _stamp_arm():
    newest, changed = _stamp_columns()
    blank, zero = literal_column("''"), literal_column("0")
    return select(
        literal_column(str(STAMP)).label("section"),
        newest.label("id"),
        changed.label("at"),
        *(blank.label(name) for name in ("kind", "title", "detail", "name", "link")),
        zero.label("subject_id"),
        zero.label("actor"),
    )


def _one(arms: list):
    return arms[0] if len(arms) == 1 else union_all(*arms)


@lru_cache(maxsize=64)
def _page_statement(events: str | None, activity: str | None, hide_core: bool, cursor_rank, size):
    arms = []
    if events:
        if cursor_rank is None:
            arms.append(_upcoming_arm(events))
        conditions = [Event.starts_at < bindparam("now")]
        if cursor_rank is not None:
            conditions.append(_before(Event.starts_at, Event.id, EVENT_RANK, cursor_rank))
        order = (Event.starts_at.desc(), Event.id.desc())
        arms.append(_event_arm(PAST_EVENT, events, conditions, order, size + 1))
    if activity:
        conditions = []
        if cursor_rank is not None:
            conditions.append(_before(Activity.created_at, Activity.id, ACTIVITY_RANK, cursor_rank))
        order = (Activity.created_at.desc(), Activity.id.desc())
        arms.append(_activity_arm(activity, hide_core, conditions, order, size + 1))
    arms.append(_stamp_arm())  # last: the first arm names the columns' types
    return _one(arms)


@lru_cache(maxsize=32)
def _news_statement(activity: str | None, hide_core: bool, upcoming: str | None):
    arms = []
    if activity:
        conditions = [Activity.id > bindparam("after_id")]
        order = (Activity.id.desc(),)
        arms.append(_activity_arm(activity, hide_core, conditions, order, PAGE_SIZE))
    if upcoming:
        arms.append(_upcoming_arm(upcoming))
    return _one(arms)


def _parameters(pair: Pair, flt: Filter, **values) -> dict:
    return {
        "pair_id": pair.id,
        "event_kinds": sorted(flt.event_kinds),
        "activity_kinds": sorted(flt.activity_kinds),
        **values,
    }


def _upcoming(rows: list) -> list:
    return sorted((r for r in rows if r.section == UPCOMING), key=lambda r: (r.at, r.id))


class Page(NamedTuple):
    upcoming: list[Entry]
    entries: list[Entry]
    next_cursor: Cursor | None
    stamp: tuple[str, int, str]  # as stamp() gives it


def timeline_page(
    pair: Pair,
    user,
    flt: Filter,
    cursor: Cursor | None,
    now: datetime,
    size: int = PAGE_SIZE,
) -> Page:
    """The upcoming events (first page only), one page of past events and activity, newest
    first, the cursor of the next page, and the timeline's stamp.

    One statement: each arm reads at most a page (or the upcoming limit) in its index order
    (ix_event_pair_starts, ix_activity_pair_created), and the few rows are merged here. The
    stamp comes from the same snapshot, so the live poll starts right after what the page
    shows."""
    events = _kinds(flt.event_kinds, EventKind)
    activity = _kinds(flt.activity_kinds, ActivityKind)
    hide_core = bool(activity) and not policy.can_see_core_only_items(user, pair)
    statement = _page_statement(events, activity, hide_core, cursor.rank if cursor else None, size)
    values = {"now": now}
    if cursor is not None:
        values.update(cursor_at=cursor.at, cursor_id=cursor.id)
    rows = db.session.execute(statement, _parameters(pair, flt, **values)).all()
    stamped = next(r for r in rows if r.section == STAMP)
    stream = sorted(
        (r for r in rows if r.section in (PAST_EVENT, ACTIVITY)),
        key=lambda r: (r.at, r.section, r.id),
        reverse=True,
    )
    show = _Presenter(pair)
    page = show(stream[:size])
    more = len(stream) > size
    return Page(
        show(_upcoming(rows)),
        page,
        page[-1].cursor if more else None,
        _stamp(pair, stamped.id, stamped.at),
    )


def news(
    pair: Pair, user, flt: Filter, after_id: int, now: datetime, *, upcoming: bool
) -> tuple[list[Entry], list[Entry] | None]:
    """For the live poll, in one statement: activity recorded after the newest entry a page
    shows, newest first, and (when ``upcoming``) the upcoming events again."""
    activity = _kinds(flt.activity_kinds, ActivityKind)
    events = _kinds(flt.event_kinds, EventKind) if upcoming else None
    rows = []
    if activity or events:
        hide_core = bool(activity) and not policy.can_see_core_only_items(user, pair)
        statement = _news_statement(activity, hide_core, events)
        parameters = _parameters(pair, flt, now=now, after_id=after_id)
        rows = db.session.execute(statement, parameters).all()
    show = _Presenter(pair)
    fresh = sorted((r for r in rows if r.section == ACTIVITY), key=lambda r: r.id, reverse=True)
    return show(fresh), (show(_upcoming(rows)) if upcoming else None)


@lru_cache(maxsize=1)
def _stamp_statement():
    return select(*_stamp_columns())


def stamp(pair: Pair) -> tuple[str, int, str]:
    """An ETag that changes whenever the timeline does, the newest activity id, and a mark
    that changes with the events alone (the poll then refreshes the upcoming events).

    One statement, two index lookups (the page reads the same with its entries)."""
    newest, changed = db.session.execute(_stamp_statement(), {"pair_id": pair.id}).one()
    return _stamp(pair, newest, changed)


def _stamp(pair: Pair, newest: int | None, changed: datetime | None) -> tuple[str, int, str]:
    digest = hashlib.sha256(f"{pair.id}:{newest or 0}:{changed}".encode()).hexdigest()[:20]
    events = hashlib.sha256(f"{pair.id}:{changed}".encode()).hexdigest()[:12]
    return f"tl-{digest}", newest or 0, events


# Entries as shown: activity as sentences, with links where the subject has a page -------

# subject_type → (endpoint, URL arguments from the pair's and the subject's ids); other areas'
# endpoints are linked only once they exist, so an entry about a subject without a page is
# plain text.
SUBJECT_ENDPOINTS = {
    "event": ("timeline.event", lambda pair_id, id_: {"pair_id": pair_id, "event_id": id_}),
    "thread": ("threads.show", lambda pair_id, id_: {"thread_id": id_}),
    "task": ("tasks.index", lambda pair_id, id_: {"pair_id": pair_id, "_anchor": f"task-{id_}"}),
    "membership": ("pairs.overview", lambda pair_id, id_: {"pair_id": pair_id}),
    "assessment": (
        "benchmarks.assessment",
        lambda pair_id, id_: {"pair_id": pair_id, "_anchor": f"factor-{id_}"},
    ),
    "plan": ("plans.show", lambda pair_id, id_: {"pair_id": pair_id, "plan_id": id_}),
}
# A review step names the plan with its new status (plan_approved …; plans/review.py).
SUBJECT_ENDPOINTS.update(
    {f"plan_{status.value}": SUBJECT_ENDPOINTS["plan"] for status in PlanStatus}
)

SENTENCES = {
    ActivityKind.THREAD_STARTED: _l("%(who)s started the thread “%(title)s”"),
    ActivityKind.POST_REPLIED: _l("%(who)s replied in “%(title)s”"),
    ActivityKind.TASK_CREATED: _l("%(who)s created the task “%(title)s”"),
    ActivityKind.TASK_ASSIGNED: _l("%(who)s assigned the task “%(title)s”"),
    ActivityKind.TASK_DONE: _l("%(who)s completed the task “%(title)s”"),
    ActivityKind.EVENT_CREATED: _l("%(who)s added the event “%(title)s”"),
    ActivityKind.EVENT_CHANGED: _l("%(who)s changed the event “%(title)s”"),
    ActivityKind.ASSESSMENT_UPDATED: _l("%(who)s rated the key factor “%(title)s”"),
    ActivityKind.MEMBER_JOINED: _l("%(who)s joined the pair"),
    ActivityKind.PLAN_CREATED: _l("%(who)s started the action plan “%(title)s”"),
    ActivityKind.PLAN_REVISED: _l("%(who)s revised “%(title)s”"),
}
# A plan's status change, by the step's subject type; any other step adopted the plan.
PLAN_STEPS = {
    "plan_in_review": _l("%(who)s submitted the plan “%(title)s” for review"),
    "plan_approved": _l("%(who)s approved the plan “%(title)s”"),
    "plan_draft": _l("%(who)s requested changes to the plan “%(title)s”"),
}
PLAN_ADOPTED = _l("%(who)s adopted the plan “%(title)s”")
# By the actor column: no actor, an erased account (as User.display_name says).
ACTORS = {0: _l("Someone"), 2: _l("Former member")}
ONLINE = _l("Online")


@dataclass(frozen=True)
class _Texts:
    kinds: dict  # an event kind's label
    sentences: dict
    steps: dict
    adopted: str
    actors: dict
    online: str


@lru_cache(maxsize=16)
def _texts(catalogue) -> _Texts:
    """The entries' fixed words in the language of ``catalogue`` (the request's), looked up
    once per process and language rather than once per entry."""
    del catalogue  # the cache key: str() below translates into the request's language

    def each(texts: dict) -> dict:
        return {key: str(text) for key, text in texts.items()}

    return _Texts(
        kinds=each(EVENT_KINDS),
        sentences=each(SENTENCES),
        steps=each(PLAN_STEPS),
        adopted=str(PLAN_ADOPTED),
        actors=each(ACTORS),
        online=str(ONLINE),
    )


# An id no row has: a kind of link is built once with it, then each entry's id is put in.
_HOLE = 918273645546372819


def _link_maker(endpoint: str, arguments, pair_id: int):
    """A function of a subject's id giving the URL url_for would give, from one url_for call;
    None where the endpoint is not built here."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        parts = url_for(endpoint, **arguments(pair_id, _HOLE)).split(str(_HOLE))
    except BuildError:
        return None
    return lambda id_: str(id_).join(parts)


class _Presenter:
    """Rows into entries, for one request and pair: each kind of link costs one url_for,
    however many entries use it, and the words come from _texts."""

    def __init__(self, pair: Pair):
        self.pair_id = pair.id
        self.links: dict = {}
        self.texts = _texts(get_translations())

    def link(self, subject_type: str):
        if subject_type not in self.links:
            target = SUBJECT_ENDPOINTS.get(subject_type)
            self.links[subject_type] = target and _link_maker(*target, self.pair_id)
        return self.links[subject_type]

    def __call__(self, rows) -> list[Entry]:
        return [self.event(r) if r.section != ACTIVITY else self.activity(r) for r in rows]

    def event(self, r) -> Entry:
        link = self.link("event")
        return Entry(
            r.at,
            EVENT_RANK,
            r.id,
            f"event timeline-entry--{r.kind}",
            r.at.isoformat(),
            title=r.title,
            url=link(r.id) if link else None,
            label=self.texts.kinds[r.kind],
            language=r.detail,
            place=r.name or (self.texts.online if r.link else ""),
        )

    def activity(self, r) -> Entry:
        texts = self.texts
        who = escape(r.name if r.actor == 1 else texts.actors[r.actor])
        link = self.link(r.detail)
        title = escape(r.title)
        if link:
            title = f'<a href="{escape(link(r.subject_id))}">{title}</a>'
        if r.kind == ActivityKind.PLAN_STATUS_CHANGED:
            sentence = texts.steps.get(r.detail, texts.adopted)
        else:
            sentence = texts.sentences.get(r.kind)
        # The catalogue is ours, trusted as the templates trust it; what users wrote is
        # escaped above.
        if sentence is None:
            shown = Markup(f"{who} · {title}")  # noqa: S704
        else:
            shown = Markup(sentence % {"who": who, "title": title})  # noqa: S704
        return Entry(r.at, ACTIVITY_RANK, r.id, "activity", r.at.isoformat(), sentence=shown)


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
