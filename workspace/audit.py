"""Writing the audit log: one call at each place where a security-relevant change happens.

The entry joins the caller's unit of work, so it commits (or rolls back) with the change
it describes: a change is never logged without happening, nor happens without the log.
"""

from flask_login import current_user

from . import db
from .models import AuditAction, AuditEntry


def record(
    action: AuditAction,
    *,
    actor=None,
    subject_user=None,
    pair=None,
    detail: str = "",
) -> AuditEntry:
    """Add an entry for ``action``; ``actor`` defaults to the signed-in user, if any."""
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        subject_user_id=getattr(subject_user, "id", None),
        pair_id=getattr(pair, "id", None),
        detail=detail[:500],
    )
    db.session.add(entry)
    return entry


def position(role, side) -> str:
    """A pair role as the log states it: "mentee", or "network (mentor side)" where the side
    is a choice (partners and network members)."""
    role, side = getattr(role, "value", role), getattr(side, "value", side)
    if role in ("mentor", "mentee") or not side:
        return str(role)
    return f"{role} ({side} side)"
