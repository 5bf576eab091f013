"""Passwords, sessions, reset tokens and invitations."""

import re
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template, session
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from .. import audit, db, labels, mail
from ..models import (
    AuditAction,
    Invitation,
    Membership,
    Role,
    User,
    cluster_consultant,
    side_for,
    utcnow,
)
from ..models.invitation import hash_token, new_token
from ..safety import DB_INT_MAX

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this keeps a sign-in for an unknown address as slow as for a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str, user_inputs: list[str] = ()) -> str | None:
    """Why this password is refused, or None when it is good enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return ngettext(
            "Use at least %(num)d character.",
            "Use at least %(num)d characters.",
            MIN_PASSWORD_LENGTH,
        )
    # The person's own name and address are the first words a guesser tries.
    texts = [t.lower() for t in user_inputs if t]
    words = texts + [w for text in texts for w in re.split(r"\W+", text) if w]
    # zxcvbn raises ValueError beyond 72 characters; those decide the score anyway.
    if zxcvbn(password[:72], user_inputs=words)["score"] < 2:
        return _("This password is too common or too easy to guess. Try a few unrelated words.")
    return None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    stored = user.password_hash if user else _DUMMY_HASH
    # Verifying is slow on purpose: end the transaction first, so that on SQLite (where a
    # form's request holds the write lock from its first statement) sign-ins don't queue
    # behind each other's hashing until "database is locked". Nothing is pending here.
    db.session.commit()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def load_user(cookie_id: str) -> User | None:
    """Flask-Login's loader: the cookie holds "id:session_token"; an old token is refused."""
    user_id, _sep, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token or int(user_id) > DB_INT_MAX:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or user.erased_at is not None:
        return None
    return user


def session_user_id() -> int | None:
    """The account the signed session cookie names, without loading it, so a route can load
    it together with what it needs (the live poll); ``load_user`` still decides whether the
    session is valid, from the identity map then."""
    user_id, _sep, token = str(session.get("_user_id", "")).partition(":")
    if not user_id.isdigit() or not token or int(user_id) > DB_INT_MAX:
        return None
    return int(user_id)


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.end_all_sessions()


# Password reset -------------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def reset_token(user: User) -> str:
    # The current hash is part of the token: once the password changes, it is spent.
    return _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_SECONDS"]
        )
    except BadSignature:
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def send_password_reset(user: User) -> None:
    link = mail.link("auth.reset_password", token=reset_token(user))
    with force_locale(user.locale or "en"):
        mail.send(
            user.email,
            _("Reset your password for the mentoring workspace"),
            render_template("mail/password_reset.txt", user=user, link=link),
        )


# Invitations ----------------------------------------------------------------------------


def invite(email: str, invited_by: User, locale: str, **offer) -> Invitation:
    """Create an invitation and e-mail its single-use link. ``offer`` names what it grants:
    pair, role, side, organisation; or cluster (as consultant); or as_admin."""
    token, token_hash = new_token()
    invitation = Invitation(
        email=normalise_email(email),
        token_hash=token_hash,
        invited_by=invited_by,
        locale=locale,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
        **offer,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        AuditAction.INVITATION_SENT,
        actor=invited_by,
        pair=invitation.pair,
        detail=f"invitation {invitation.id}: {offer_fact(invitation)}",
    )
    link = mail.link("auth.accept_invitation", token=token)
    with force_locale(locale):
        mail.send(
            invitation.email,
            _("You are invited to the mentoring workspace"),
            render_template("mail/invitation.txt", invitation=invitation, link=link),
        )
    return invitation


def offer_fact(invitation: Invitation) -> str:
    """What an invitation offers, as the audit log states it (never the address)."""
    if invitation.pair_id is not None:
        return f"pair {invitation.pair_id} as {audit.position(invitation.role, invitation.side)}"
    if invitation.cluster_id is not None:
        return f"consultant of cluster {invitation.cluster_id} ({invitation.cluster.name})"
    return "programme administrator"


def offer_text(invitation: Invitation) -> str:
    """What an invitation offers, in one sentence of the current language."""
    if invitation.pair is not None:
        role = labels.ROLES[invitation.role]
        if invitation.role.is_core and invitation.role is not Role.PARTNER:
            return _(
                "You are invited to the pair %(pair)s as %(role)s.",
                pair=invitation.pair.name,
                role=role,
            )
        return _(
            "You are invited to the pair %(pair)s as %(role)s (%(side)s).",
            pair=invitation.pair.name,
            role=role,
            side=labels.SIDES[invitation.side],
        )
    if invitation.cluster is not None:
        return _(
            "You are invited as consultant of the cluster %(cluster)s.",
            cluster=invitation.cluster.name,
        )
    return _("You are invited as programme administrator.")


def invitation_for_token(token: str) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def accept(invitation: Invitation, user: User) -> None:
    """Grant what the invitation offers, once."""
    if user.id is None:
        db.session.flush()
    pair = invitation.pair
    by = f"by invitation {invitation.id}"
    audit.record(
        AuditAction.INVITATION_ACCEPTED,
        actor=user,
        subject_user=user,
        pair=pair,
        detail=f"invitation {invitation.id}: {offer_fact(invitation)}",
    )
    if invitation.pair_id is not None:
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.pair_id == invitation.pair_id
            )
        )
        before = None
        if membership is None:
            membership = Membership(user=user, pair_id=invitation.pair_id)
            db.session.add(membership)
        else:
            before = audit.position(membership.role, membership.side)
        membership.role = invitation.role
        membership.side = side_for(invitation.role, invitation.side)
        membership.organisation_id = invitation.organisation_id
        after = audit.position(membership.role, membership.side)
        if before is None:
            audit.record(
                AuditAction.MEMBERSHIP_ADDED,
                actor=user,
                subject_user=user,
                pair=pair,
                detail=f"{after}, {by}",
            )
        elif before != after:
            audit.record(
                AuditAction.MEMBERSHIP_CHANGED,
                actor=user,
                subject_user=user,
                pair=pair,
                detail=f"{before} → {after}, {by}",
            )
    if invitation.cluster_id is not None:
        already = db.session.scalar(
            select(func.count()).where(
                cluster_consultant.c.cluster_id == invitation.cluster_id,
                cluster_consultant.c.user_id == user.id,
            )
        )
        if not already:
            db.session.execute(
                cluster_consultant.insert().values(
                    cluster_id=invitation.cluster_id, user_id=user.id
                )
            )
            audit.record(
                AuditAction.CONSULTANT_ADDED,
                actor=user,
                subject_user=user,
                detail=f"cluster {invitation.cluster_id} ({invitation.cluster.name}), {by}",
            )
    if invitation.as_admin and not user.is_admin:
        user.is_admin = True
        audit.record(AuditAction.ADMIN_GRANTED, actor=user, subject_user=user, detail=by)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
