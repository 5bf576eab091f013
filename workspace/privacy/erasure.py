"""Erasing an account: the person disappears, what they wrote stays, as a former member's.

The user row is kept, anonymised, so that posts, revisions, comments, tasks and audit entries
keep pointing at the same (now anonymous) id; everything that only served the person —
memberships, notifications, subscriptions, presence, feed tokens, mentions, invitations —
is deleted. One unit of work: the caller commits once.
"""

import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from .. import audit, db
from ..models import (
    Activity,
    ActivityKind,
    AuditAction,
    CalendarFeedToken,
    EmailPreference,
    Invitation,
    Membership,
    Notification,
    PostMention,
    SectionPresence,
    ThreadSubscription,
    User,
    cluster_consultant,
    utcnow,
)

# A reserved top-level domain (RFC 2606): no mail can go there, and mail.send never tries.
ERASED_DOMAIN = "invalid"
ERASED_TIMEZONE = "UTC"


class ErasureRefused(Exception):
    """The account cannot be erased; ``str(error)`` says why, in the current language."""


def erased_address(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def refusal(user: User) -> str | None:
    """Why this account cannot be erased now, or None."""
    if user.erased_at is not None:
        return _("This account has already been erased.")
    if user.is_admin:
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.is_admin.is_(True), User.erased_at.is_(None), User.id != user.id)
        )
        if not others:
            return _(
                "This is the only programme administrator. Invite another administrator "
                "before erasing this account."
            )
    return None


def erase(user: User, *, actor: User) -> None:
    """Anonymise ``user`` and delete what only served them; audit it as done by ``actor``."""
    if problem := refusal(user):
        raise ErasureRefused(problem)
    uid, old_email = user.id, user.email
    session = db.session
    for statement in (
        delete(Membership).where(Membership.user_id == uid),
        delete(cluster_consultant).where(cluster_consultant.c.user_id == uid),
        delete(Notification).where(Notification.user_id == uid),
        delete(ThreadSubscription).where(ThreadSubscription.user_id == uid),
        delete(SectionPresence).where(SectionPresence.user_id == uid),
        delete(CalendarFeedToken).where(CalendarFeedToken.user_id == uid),
        delete(PostMention).where(PostMention.user_id == uid),
        # Invitations to their address: pending ones go; accepted ones keep no address.
        delete(Invitation).where(Invitation.email == old_email, Invitation.accepted_at.is_(None)),
        update(Invitation)
        .where((Invitation.email == old_email) | (Invitation.accepted_by_id == uid))
        .values(email=erased_address(uid)),
        # "X joined the pair" keeps a snapshot of the name as its title.
        update(Activity)
        .where(Activity.kind == ActivityKind.MEMBER_JOINED, Activity.actor_id == uid)
        .values(title=""),
    ):
        session.execute(statement, execution_options={"synchronize_session": False})

    user.erased_at = utcnow()
    user.name = ""
    user.email = erased_address(uid)
    # Not a hash of anything: no password verifies against it.
    user.password_hash = "!erased:" + secrets.token_hex(16)
    user.locale = None
    user.timezone = ERASED_TIMEZONE
    user.organisation_id = None
    user.email_preference = EmailPreference.OFF
    user.is_admin = False
    user.end_all_sessions()
    audit.record(AuditAction.ACCOUNT_ERASED, actor=actor, subject_user=user)
    session.flush()
    session.expire(user, ["memberships"])
