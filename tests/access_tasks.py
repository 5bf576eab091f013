"""Access matrix for the task lists and "my work" (see tests/test_access.py)."""

from access_rules import CORE, PAIR_MEMBERS, pair_scoped, signed_in

from workspace import db
from workspace.tasks import services


def populate(world):
    if getattr(world, "task_list", None) is not None:
        return
    world.task_list = services.create_list(world.pair, "Access list", world.mentor)
    world.task = services.create_task(
        world.task_list, "Access task", world.mentor, assignees=[world.network_mentee]
    )
    world.other_task_list = services.create_list(world.other_pair, "Theirs", world.mentor)
    db.session.commit()


def _pair(suffix):
    return lambda w: f"/pairs/{w.pair.id}/tasks{suffix(w) if callable(suffix) else suffix}"


# Status changes: who manages tasks, and the network member the task is assigned to.
UPDATERS = CORE | {"network_mentee"}

MATRIX = {
    "tasks.index": [("GET", _pair(""), None, pair_scoped(200, CORE | PAIR_MEMBERS))],
    "tasks.create_list": [
        ("POST", _pair("/lists"), {"newlist-title": ""}, pair_scoped(200, CORE)),
    ],
    "tasks.rename_list": [
        (
            "POST",
            _pair(lambda w: f"/lists/{w.task_list.id}"),
            {"rename-title": ""},
            pair_scoped(200, CORE),
        ),
        # another pair's list through this pair's URL: not found for those who may manage
        (
            "POST",
            _pair(lambda w: f"/lists/{w.other_task_list.id}"),
            {},
            pair_scoped(404, CORE),
        ),
    ],
    "tasks.move_list": [
        (
            "POST",
            _pair(lambda w: f"/lists/{w.task_list.id}/move"),
            {"direction": "sideways"},
            pair_scoped(400, CORE),
        ),
        (
            "POST",
            _pair(lambda w: f"/lists/{w.other_task_list.id}/move"),
            {},
            pair_scoped(404, CORE),
        ),
    ],
    "tasks.todo": [
        (
            "GET",
            _pair(lambda w: f"/lists/{w.task_list.id}/todo"),
            None,
            pair_scoped(200, CORE | PAIR_MEMBERS),
        ),
        ("GET", _pair(lambda w: f"/lists/{w.other_task_list.id}/todo"), None, signed_in(404)),
    ],
    "tasks.done": [
        (
            "GET",
            _pair(lambda w: f"/lists/{w.task_list.id}/done"),
            None,
            pair_scoped(200, CORE | PAIR_MEMBERS),
        ),
        ("GET", _pair(lambda w: f"/lists/{w.other_task_list.id}/done"), None, signed_in(404)),
    ],
    "tasks.delete_list": [
        ("POST", _pair("/lists/999999/delete"), None, pair_scoped(404, CORE)),
    ],
    "tasks.create": [
        (
            "POST",
            _pair(lambda w: f"/lists/{w.task_list.id}/tasks"),
            {},
            pair_scoped(200, CORE),
        ),
    ],
    "tasks.edit": [
        ("GET", _pair(lambda w: f"/{w.task.id}"), None, pair_scoped(200, CORE)),
        ("POST", _pair(lambda w: f"/{w.task.id}"), {"title": ""}, pair_scoped(200, CORE)),
    ],
    "tasks.delete": [
        ("POST", _pair("/999999/delete"), None, signed_in(404)),
    ],
    "tasks.set_status": [
        (
            "POST",
            _pair(lambda w: f"/{w.task.id}/status"),
            {"status": "bogus"},
            pair_scoped(400, UPDATERS),
        ),
    ],
    "tasks.reassign": [
        ("GET", _pair(lambda w: f"/{w.task.id}/assignees"), None, pair_scoped(200, CORE)),
        (
            "POST",
            _pair(lambda w: f"/{w.task.id}/assignees"),
            {"assignees": "999999"},
            pair_scoped(200, CORE),
        ),
    ],
    "tasks.move": [
        (
            "POST",
            _pair(lambda w: f"/{w.task.id}/move"),
            {"direction": "sideways"},
            pair_scoped(400, CORE),
        ),
    ],
    "tasks.my_work": [("GET", "/my-work", None, signed_in(200))],
}
