"""Creating notifications, and mailing them immediately or as a daily digest."""

from collections.abc import Iterable
from itertools import groupby

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import db, mail
from ..models import (
    EmailPreference,
    Notification,
    NotificationKind,
    Pair,
    User,
    utcnow,
)


def notify(
    recipients: Iterable[User],
    kind: NotificationKind,
    *,
    actor: User | None,
    pair: Pair | None,
    subject_type: str,
    subject_id: int,
    url: str,
    title: str,
    detail: str = "",
) -> list[Notification]:
    """Tell each recipient (never the actor, once each) about something they may see.

    The caller chooses recipients who may see the subject; the notification carries only a
    title snapshot and a path. People who asked for immediate mail get it now."""
    made = []
    seen = {actor.id} if actor is not None else set()
    for user in recipients:
        if user.id in seen or user.erased_at is not None:  # an erased account hears nothing
            continue
        seen.add(user.id)
        note = Notification(
            user=user,
            kind=kind,
            pair=pair,
            actor=actor,
            subject_type=subject_type,
            subject_id=subject_id,
            url=url,
            title=title[:300],
            detail=detail[:1000],
        )
        db.session.add(note)
        made.append(note)
        if user.email_preference is EmailPreference.IMMEDIATE:
            _mail(user, [note])
    return made


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def _mail(user: User, notes: list[Notification]) -> None:
    now = utcnow()
    with force_locale(user.locale or "en"):
        if len(notes) == 1:
            subject = _("Mentoring workspace: %(what)s", what=describe(notes[0]))
        else:
            subject = _("Mentoring workspace: your daily digest")
        root = mail.link("pairs.home").rstrip("/")
        body = render_template(
            "mail/notifications.txt",
            user=user,
            groups=_grouped(notes),
            describe=describe,
            link=lambda note: root + note.url,
        )
        mail.send(user.email, subject, body)
    for note in notes:
        note.emailed_at = now


def _grouped(notes: list[Notification]):
    """[(pair or None, [(kind, [notes])])] — a digest grouped by pair, then by kind."""
    by_pair = sorted(notes, key=lambda n: (n.pair_id or 0, n.kind.value, n.id))
    return [
        (
            pair_notes[0].pair,
            [
                (kind, list(kind_notes))
                for kind, kind_notes in groupby(pair_notes, key=lambda n: n.kind)
            ],
        )
        for pair_notes in (list(g) for _pair, g in groupby(by_pair, key=lambda n: n.pair_id))
    ]


def describe(note: Notification) -> str:
    """One line saying what happened, in the current language."""
    who = note.actor.display_name if note.actor is not None else _("Someone")
    sentences = {
        NotificationKind.MENTION: _("%(who)s mentioned you in “%(title)s”"),
        NotificationKind.REPLY: _("%(who)s replied in “%(title)s”"),
        NotificationKind.TASK_ASSIGNED: _("%(who)s assigned you the task “%(title)s”"),
        NotificationKind.EVENT_CHANGED: _("%(who)s changed the event “%(title)s”"),
        NotificationKind.MODERATION: _("%(who)s moderated your contribution in “%(title)s”"),
        NotificationKind.PLAN_COMMENT: _("%(who)s commented on “%(title)s”"),
    }
    if note.kind is NotificationKind.PLAN_STATUS:  # which step: plans/review.py subject_type
        steps = {
            "plan_in_review": _("%(who)s submitted the plan “%(title)s” for review"),
            "plan_approved": _("%(who)s approved the plan “%(title)s”"),
            "plan_draft": _("%(who)s requested changes to the plan “%(title)s”"),
            "plan_adopted": _("%(who)s adopted the plan “%(title)s”"),
        }
        sentences[note.kind] = steps[note.subject_type]
    return sentences[note.kind] % {"who": who, "title": note.title}


def send_daily_digests() -> int:
    """Mail each daily-digest reader what they have not read nor been mailed; returns how
    many people got one."""
    pending = db.session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(
            User.email_preference == EmailPreference.DAILY,
            Notification.read_at.is_(None),
            Notification.emailed_at.is_(None),
        )
        .options(
            joinedload(Notification.user),
            joinedload(Notification.actor),
            joinedload(Notification.pair).joinedload(Pair.mentor_city),
            joinedload(Notification.pair).joinedload(Pair.mentee_city),
        )
        .order_by(Notification.user_id, Notification.id)
    ).all()
    sent = 0
    for _user_id, notes in groupby(pending, key=lambda n: n.user_id):
        notes = list(notes)
        _mail(notes[0].user, notes)
        db.session.commit()  # one person at a time: a failure later doesn't resend these
        sent += 1
    return sent
