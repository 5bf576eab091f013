"""The attachment download route in the access matrix (see tests/test_access.py).

Files on a post in a core-team thread, on a post in a thread open to the network, on a
hidden post (by the mentor), and on an event of the pair."""

import io
from datetime import UTC, datetime, timedelta

from access_rules import CORE, OUTSIDERS, PAIR_MEMBERS, SIGNED_OUT, pair_scoped, signed_in
from werkzeug.datastructures import FileStorage

from workspace import attachments, db
from workspace.models import Event, EventKind, Post
from workspace.threads import services

NETWORK = {"network_mentor", "network_mentee"}
MODERATORS = {"admin", "consultant"}


def core_thread(ok):
    def expect(role):
        if role == SIGNED_OUT:
            return 302
        return ok if role in CORE else 404

    return expect


def hidden_post(ok):
    """Its author and the thread's moderators; everyone else as if it were not there."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        return ok if role in MODERATORS | {"mentor"} else 404

    return expect


def _file(name: str) -> FileStorage:
    return FileStorage(io.BytesIO(b"%PDF-1.4\nminutes\n%%EOF\n"), filename=name)


def populate(world):
    if getattr(world, "core_attachment", None) is not None:
        return
    core = services.start_thread(
        world.mentor, pair=world.pair, title="Files", body="See the file", language="en"
    )
    opened = services.start_thread(
        world.mentor,
        pair=world.pair,
        title="Open files",
        body="For everyone",
        language="en",
        open_to_network=True,
    )
    opened_post = db.session.get(Post, opened.last_post_id)
    hidden = services.reply(opened, world.mentor, "Oops", "en")
    hidden.hidden, hidden.hidden_reason = True, "Personal data"
    start = datetime(2022, 5, 10, 8, tzinfo=UTC)
    event = Event(
        pair_id=world.pair.id,
        kind=EventKind.WORKSHOP,
        title="Workshop with files",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    db.session.add(event)
    db.session.flush()
    save = attachments.save
    world.core_attachment = save(
        _file("core.pdf"), post=db.session.get(Post, core.last_post_id), user=world.mentor
    )
    world.open_attachment = save(_file("open.pdf"), post=opened_post, user=world.mentor)
    world.hidden_attachment = save(_file("hidden.pdf"), post=hidden, user=world.mentor)
    world.event_attachment = save(_file("event.pdf"), event=event, user=world.mentor)
    db.session.commit()


def core_thread_remove():
    """Seen by the core team; removed by its author (the mentor) and the moderators."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        if role not in CORE:
            return 404
        return {303, 404} if role in MODERATORS | {"mentor"} else 403

    return expect


def _r(attribute):
    return lambda w: f"/attachments/{getattr(w, attribute).id}/remove"


def _a(attribute):
    return lambda w: f"/attachments/{getattr(w, attribute).id}/{getattr(w, attribute).filename}"


assert not OUTSIDERS & (CORE | PAIR_MEMBERS)

MATRIX = {
    "attachments.download": [
        ("GET", _a("core_attachment"), None, core_thread(200)),
        ("GET", _a("open_attachment"), None, pair_scoped(200, CORE | PAIR_MEMBERS)),
        ("GET", _a("hidden_attachment"), None, hidden_post(200)),
        ("GET", _a("event_attachment"), None, pair_scoped(200, CORE | PAIR_MEMBERS)),
        ("GET", "/attachments/999999/x.pdf", None, signed_in(404)),
    ],
    # The first request (plain) removes: 303; the second (htmx) finds the file gone: 404.
    # tests/test_attachments.py checks the htmx answer (200, empty) on its own.
    "attachments.remove": [
        ("POST", _r("core_attachment"), None, core_thread_remove()),
        ("POST", _r("open_attachment"), None, pair_scoped({303, 404}, MODERATORS | {"mentor"})),
        ("POST", _r("hidden_attachment"), None, hidden_post({303, 404})),
        ("POST", _r("event_attachment"), None, pair_scoped({303, 404}, CORE)),
        ("POST", "/attachments/999999/remove", None, signed_in(404)),
    ],
}
