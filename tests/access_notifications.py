"""Notification routes in the access matrix: each person reaches only their own."""

from access_rules import SIGNED_OUT, signed_in

from workspace import db
from workspace.models import Notification, NotificationKind


def populate(world):
    if hasattr(world, "mentor_note"):
        return
    world.mentor_note = Notification(
        user=world.mentor,
        kind=NotificationKind.TASK_ASSIGNED,
        pair=world.pair,
        subject_type="task",
        subject_id=1,
        url=f"/pairs/{world.pair.id}",
        title="Prepare the study visit",
    )
    db.session.add(world.mentor_note)
    db.session.commit()


def own_only(role):
    """Marking read: the mentor's own notification; anyone else's is not found."""
    if role == SIGNED_OUT:
        return 302
    return {303, 200} if role == "mentor" else 404


MATRIX = {
    "notifications.index": [("GET", "/notifications/", None, signed_in(200))],
    "notifications.read": [
        ("POST", lambda w: f"/notifications/{w.mentor_note.id}/read", None, own_only),
    ],
    "notifications.read_all": [("POST", "/notifications/read-all", None, signed_in({303, 200}))],
}
