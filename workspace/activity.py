"""The automatic activity stream: recorded in the same transaction as the change."""

from . import db
from .models import Activity, ActivityKind, Pair, User


def record(
    pair: Pair | int,
    kind: ActivityKind,
    actor: User | None,
    subject_type: str,
    subject_id: int,
    title: str = "",
    core_only: bool = False,
) -> Activity:
    """Add an activity entry to the session; the caller's commit writes it with the change.

    ``subject_id`` must be known: flush the new subject before recording it.
    """
    entry = Activity(
        pair_id=pair if isinstance(pair, int) else pair.id,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title[:300],
        core_only=core_only,
    )
    db.session.add(entry)
    return entry
