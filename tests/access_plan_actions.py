"""Access matrix for plan actions and the coverage view (see tests/test_access.py)."""

from access_rules import CORE, OUTSIDERS, PAIR_MEMBERS, SIGNED_OUT, pair_scoped

from workspace import db
from workspace.plans import actions, services

# Who edits a draft plan's actions: the pair's core members and its consultant, not the admin.
EDITORS = CORE - {"admin"}
READERS = CORE | PAIR_MEMBERS


def populate(world):
    if getattr(world, "actions_plan", None) is not None:
        return
    world.actions_plan = services.create_plan(world.pair, "Actions plan", "en", world.mentor)
    world.plan_action = actions.add_action(world.actions_plan, title="Access action")
    theirs = services.create_plan(world.other_pair, "Their actions", "en", world.mentor)
    world.other_plan_action = actions.add_action(theirs, title="Their action")
    db.session.commit()


def _editors_get(ok, otherwise):
    """Editors get ``ok``; readers, for whom the edit form does not exist, the page."""

    def expect(role):
        if role == SIGNED_OUT:
            return 302
        if role in OUTSIDERS:
            return 404
        return ok if role in EDITORS else otherwise

    return expect


def _plan(suffix=""):
    def path(w):
        tail = suffix(w) if callable(suffix) else suffix
        return f"/pairs/{w.pair.id}/plans/{w.actions_plan.id}{tail}"

    return path


def _action(suffix=""):
    return _plan(lambda w: f"/actions/{w.plan_action.id}{suffix}")


MATRIX = {
    "plans.actions": [
        ("GET", _plan("/actions"), None, pair_scoped(200, READERS)),
        (
            "GET",
            _plan(lambda w: f"/actions?edit={w.plan_action.id}"),
            None,
            pair_scoped(200, READERS),
        ),
        # another pair's action through this plan's URL
        (
            "GET",
            _plan(lambda w: f"/actions?edit={w.other_plan_action.id}"),
            None,
            _editors_get(404, otherwise=200),
        ),
    ],
    # an empty title: the form comes back with its error, nothing saved
    "plans.create_action": [
        ("POST", _plan("/actions"), {"title": "", "status": "planned"}, pair_scoped(200, EDITORS)),
    ],
    "plans.update_action": [
        ("POST", _action(), {"title": "", "status": "planned"}, pair_scoped(200, EDITORS)),
        (
            "POST",
            _plan(lambda w: f"/actions/{w.other_plan_action.id}"),
            {"title": "Forged", "status": "planned"},
            pair_scoped(404, EDITORS),
        ),
    ],
    "plans.delete_action": [
        ("POST", _plan("/actions/999999/delete"), None, pair_scoped(404, EDITORS)),
    ],
    "plans.move_action": [
        ("POST", _action("/move"), {"direction": "sideways"}, pair_scoped(400, EDITORS)),
    ],
    "plans.coverage": [("GET", _plan("/coverage"), None, pair_scoped(200, READERS))],
}
