"""Access matrix for the timeline, events, study visits and calendar feeds (see
tests/test_access.py)."""

from datetime import UTC, datetime, timedelta

from access_rules import CORE, PAIR_MEMBERS, pair_scoped, public, signed_in

from workspace import db
from workspace.models import Event, EventKind
from workspace.timeline import services

MEMBERS = CORE | PAIR_MEMBERS


def populate(world):
    if getattr(world, "event", None) is not None:
        return
    start = datetime(2022, 5, 10, 8, tzinfo=UTC)

    def event(pair, kind, title):
        ev = Event(
            pair_id=pair.id,
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            timezone="Europe/Brussels",
        )
        db.session.add(ev)
        return ev

    world.event = event(world.pair, EventKind.MEETING, "Access meeting")
    world.visit = event(world.pair, EventKind.STUDY_VISIT_ONSITE, "Access visit")
    world.other_event = event(world.other_pair, EventKind.MEETING, "Theirs")
    db.session.flush()
    world.feed_token = services.feed_token(world.mentor)
    db.session.commit()


def _pair(suffix):
    return lambda w: f"/pairs/{w.pair.id}{suffix(w) if callable(suffix) else suffix}"


def _event(suffix="", attr="event"):
    return _pair(lambda w: f"/events/{getattr(w, attr).id}{suffix}")


MATRIX = {
    "timeline.index": [
        ("GET", _pair("/timeline"), None, pair_scoped(200, MEMBERS)),
        ("GET", _pair("/timeline?kind=workshop&before=bad"), None, pair_scoped(200, MEMBERS)),
    ],
    # The poll: to htmx the new entries (200), otherwise a redirect to the page.
    "timeline.poll": [("GET", _pair("/timeline/new"), None, pair_scoped({200, 303}, MEMBERS))],
    "timeline.create": [
        ("GET", _pair("/events/new"), None, pair_scoped(200, CORE)),
        ("POST", _pair("/events/new"), {"title": ""}, pair_scoped(200, CORE)),
    ],
    "timeline.event": [
        ("GET", _event(), None, pair_scoped(200, MEMBERS)),
        ("GET", _event(attr="visit"), None, pair_scoped(200, MEMBERS)),
        # another pair's event through this pair's URL
        ("GET", _event(attr="other_event"), None, pair_scoped(404, MEMBERS)),
    ],
    "timeline.edit": [
        ("GET", _event("/edit"), None, pair_scoped(200, CORE)),
        ("POST", _event("/edit"), {"title": ""}, pair_scoped(200, CORE)),
        ("GET", _event("/edit", attr="other_event"), None, pair_scoped(404, CORE)),
    ],
    "timeline.record_visit": [
        ("GET", _event("/visit", attr="visit"), None, pair_scoped(200, CORE)),
        # saved: a 303 to the event page, or to htmx an HX-Redirect there
        ("POST", _event("/visit", attr="visit"), {"agenda": "x"}, pair_scoped({303, 200}, CORE)),
        ("GET", _event("/visit"), None, pair_scoped(404, CORE)),  # not a study visit
    ],
    "timeline.participants": [
        ("GET", _event("/participants"), None, pair_scoped(200, CORE)),
        ("POST", _event("/participants"), {"people": "999999"}, pair_scoped(200, CORE)),
    ],
    "timeline.add_follow_up": [
        ("POST", _event("/follow-ups", attr="visit"), {"title": ""}, pair_scoped(200, CORE)),
    ],
    "timeline.feeds": [("GET", "/calendar", None, signed_in(200))],
    "timeline.regenerate_feed": [("POST", "/calendar/regenerate", None, signed_in(303))],
    # Feeds: the token identifies the user, with or without a session.
    "timeline.user_feed": [
        ("GET", lambda w: f"/calendar/{w.feed_token}.ics", None, public(200)),
        ("GET", "/calendar/forged.ics", None, public(404)),
    ],
    "timeline.pair_feed": [
        ("GET", lambda w: f"/calendar/{w.feed_token}/pairs/{w.pair.id}.ics", None, public(200)),
        ("GET", lambda w: f"/calendar/forged/pairs/{w.pair.id}.ics", None, public(404)),
        # the token's user (a mentor of pair A) does not see the other pair
        (
            "GET",
            lambda w: f"/calendar/{w.feed_token}/pairs/{w.other_pair.id}.ics",
            None,
            public(404),
        ),
    ],
}
