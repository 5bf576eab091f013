"""Plan, section, presence, history, diff and restore routes in the access matrix (see
tests/test_access.py). Members of the pair read; the pair's editors (its consultant and
core members, not the admin) edit; network members get 403 on every edit; outsiders 404."""

from access_rules import CORE, OUTSIDERS, PAIR_MEMBERS, SIGNED_OUT, pair_scoped

from workspace import db
from workspace.plans import services

READERS = CORE | PAIR_MEMBERS
EDITORS = {"consultant", "mentor", "mentee", "partner"}
NAVIGATES = {303, 200}  # a redirect, or to htmx an HX-Redirect


def populate(world):
    if getattr(world, "access_plan", None) is not None:
        return
    world.access_plan = services.create_plan(world.pair, "Access plan", "en", world.mentor)
    world.other_access_plan = services.create_plan(world.other_pair, "Theirs", "en", world.mentor)
    db.session.flush()
    world.access_section = world.access_plan.sections[0]
    world.access_head = services.text_for(world.access_section, "en").current_revision
    db.session.commit()


def _plan(suffix=""):
    return lambda w: f"/pairs/{w.pair.id}/plans/{w.access_plan.id}{suffix}"


def _section(suffix=""):
    return lambda w: (
        f"/pairs/{w.pair.id}/plans/{w.access_plan.id}/sections/{w.access_section.id}{suffix}"
    )


def keeps_text(ok, allowed):
    """A text save: a signed-out visitor gets their text back (401) instead of the sign-in
    redirect; otherwise as pair_scoped."""
    scoped = pair_scoped(ok, allowed)
    return lambda role: 401 if role == SIGNED_OUT else scoped(role)


def _restore(w):
    return _section(f"/revisions/{w.access_head.id}/restore")(w)


MATRIX = {
    "plans.index": [("GET", "/pairs/{pair}/plans", None, pair_scoped(200, READERS))],
    "plans.create": [
        ("POST", "/pairs/{pair}/plans", {"title": ""}, pair_scoped(200, EDITORS)),
    ],
    "plans.show": [
        ("GET", _plan(), None, pair_scoped(200, READERS)),
        ("GET", _plan("?lang=fr"), None, pair_scoped(200, READERS)),
        # another pair's plan through this pair's URL
        (
            "GET",
            lambda w: f"/pairs/{w.pair.id}/plans/{w.other_access_plan.id}",
            None,
            pair_scoped(404, READERS),
        ),
    ],
    "plans.add_section": [
        ("POST", _plan("/sections"), {"title": ""}, pair_scoped(NAVIGATES, EDITORS)),
    ],
    "plans.move_section": [
        ("POST", _section("/move"), {"direction": "sideways"}, pair_scoped(400, EDITORS)),
    ],
    "plans.remove_section": [
        # the outline's own sections cannot go
        ("POST", _section("/delete"), None, pair_scoped(400, EDITORS)),
    ],
    "plans.edit_section": [
        ("GET", _section("/edit"), None, pair_scoped(200, EDITORS)),
        (
            "POST",
            _section("/edit"),
            {"title": "", "body": "kept", "lang": "en"},
            keeps_text(200, EDITORS),
        ),
    ],
    "plans.preview": [
        ("POST", _section("/preview"), {"body": "*x*"}, pair_scoped(200, EDITORS)),
    ],
    "plans.presence": [
        ("POST", _section("/presence?lang=en"), None, pair_scoped(200, EDITORS)),
    ],
    "plans.leave": [
        ("POST", _section("/presence/leave"), None, pair_scoped(204, READERS)),
    ],
    "plans.history": [
        ("GET", _section("/history"), None, pair_scoped(200, READERS)),
        ("GET", _section("/history?lang=de"), None, pair_scoped(404, READERS)),
    ],
    "plans.diff": [
        ("GET", _section("/diff"), None, pair_scoped(200, READERS)),
        ("GET", _section("/diff?from=999999"), None, pair_scoped(404, READERS)),
    ],
    "plans.restore": [
        # restoring the current revision changes nothing, and says so
        ("POST", _restore, None, pair_scoped(NAVIGATES, EDITORS)),
    ],
}

assert not OUTSIDERS & EDITORS
