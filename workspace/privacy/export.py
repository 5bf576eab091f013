"""A person's data export: everything the workspace holds about them, as a ZIP of JSON files.

Only the person's own data: other people appear at most as an opaque number
(``person_id``), never by name or e-mail address. Each file is one query (two for tasks).
"""

import io
import json
import zipfile
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import db
from ..models import (
    AssessmentRating,
    Attachment,
    AuditEntry,
    Cluster,
    Consent,
    Event,
    EventParticipant,
    Membership,
    Notification,
    Pair,
    PlanReviewStep,
    PlanSection,
    Post,
    PostRevision,
    SectionComment,
    SectionRevision,
    SectionText,
    Task,
    Thread,
    ThreadSubscription,
    User,
    cluster_consultant,
    task_assignee,
    utcnow,
)

FORMAT_VERSION = 1


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _code(value) -> str | None:
    return value.value if value is not None else None


def profile(user: User) -> dict:
    return {
        "person_id": user.id,
        "name": user.name,
        "email": user.email,
        "language": user.locale,
        "timezone": user.timezone,
        "organisation": (
            {"id": user.organisation.id, "name": user.organisation.name}
            if user.organisation is not None
            else None
        ),
        "is_programme_admin": user.is_admin,
        "created_at": _when(user.created_at),
    }


def notification_settings(user: User) -> dict:
    return {"email_notifications": _code(user.email_preference)}


def memberships(user: User) -> dict:
    rows = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == user.id)
        .options(
            joinedload(Membership.pair).joinedload(Pair.mentor_city),
            joinedload(Membership.pair).joinedload(Pair.mentee_city),
            joinedload(Membership.organisation),
        )
        .order_by(Membership.id)
    )
    clusters = db.session.scalars(
        select(Cluster)
        .join(cluster_consultant, cluster_consultant.c.cluster_id == Cluster.id)
        .where(cluster_consultant.c.user_id == user.id)
        .order_by(Cluster.id)
    )
    return {
        "pairs": [
            {
                "pair_id": m.pair_id,
                "pair": m.pair.name,
                "role": _code(m.role),
                "side": _code(m.side),
                "organisation": m.organisation.name if m.organisation else None,
                "since": _when(m.created_at),
            }
            for m in rows
        ],
        "consultant_of_clusters": [{"cluster_id": c.id, "cluster": c.name} for c in clusters],
    }


def posts(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Post)
        .where(Post.author_id == user.id)
        .options(joinedload(Post.thread), joinedload(Post.current_revision))
        .order_by(Post.id)
    )
    return [
        {
            "post_id": p.id,
            "thread_id": p.thread_id,
            "thread_title": p.thread.title,
            "pair_id": p.thread.pair_id,
            "cluster_id": p.thread.cluster_id,
            "in_reply_to_post_id": p.reply_to_id,
            "language": p.language,
            "text": p.body,
            "written_at": _when(p.created_at),
            "edited_at": _when(p.edited_at),
            "deleted_at": _when(p.deleted_at),
            "hidden_by_moderator": p.hidden,
        }
        for p in rows
    ]


def post_revisions(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(PostRevision).where(PostRevision.author_id == user.id).order_by(PostRevision.id)
    )
    return [
        {
            "revision_id": r.id,
            "post_id": r.post_id,
            "text": r.body,
            "written_at": _when(r.created_at),
        }
        for r in rows
    ]


def plan_section_revisions(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(SectionRevision)
        .where(SectionRevision.author_id == user.id)
        .options(
            joinedload(SectionRevision.text)
            .joinedload(SectionText.section)
            .joinedload(PlanSection.plan)
        )
        .order_by(SectionRevision.id)
    )
    return [
        {
            "revision_id": r.id,
            "plan_id": r.text.section.plan_id,
            "plan_title": r.text.section.plan.title,
            "pair_id": r.text.section.plan.pair_id,
            "section_id": r.text.section_id,
            "section_kind": _code(r.text.section.kind),
            "language": r.text.language,
            "origin": _code(r.origin),
            "parent_revision_id": r.parent_id,
            "title": r.title,
            "text": r.body,
            "written_at": _when(r.created_at),
        }
        for r in rows
    ]


def section_comments(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(SectionComment)
        .where(SectionComment.author_id == user.id)
        .options(joinedload(SectionComment.section).joinedload(PlanSection.plan))
        .order_by(SectionComment.id)
    )
    return [
        {
            "comment_id": c.id,
            "plan_id": c.section.plan_id,
            "plan_title": c.section.plan.title,
            "section_id": c.section_id,
            "on_revision_id": c.revision_id,
            "in_reply_to_comment_id": c.parent_id,
            "language": c.language,
            "text": c.body,
            "written_at": _when(c.created_at),
            "resolved_at": _when(c.resolved_at),
        }
        for c in rows
    ]


def tasks(user: User) -> list[dict]:
    assigned = select(task_assignee.c.task_id).where(task_assignee.c.user_id == user.id)
    rows = list(
        db.session.scalars(
            select(Task)
            .where(or_(Task.created_by_id == user.id, Task.id.in_(assigned)))
            .options(joinedload(Task.task_list))
            .order_by(Task.id)
        )
    )
    assignees: dict[int, list[int]] = {}
    if rows:
        for task_id, user_id in db.session.execute(
            select(task_assignee.c.task_id, task_assignee.c.user_id)
            .where(task_assignee.c.task_id.in_([t.id for t in rows]))
            .order_by(task_assignee.c.task_id, task_assignee.c.user_id)
        ):
            assignees.setdefault(task_id, []).append(user_id)
    return [
        {
            "task_id": t.id,
            "pair_id": t.pair_id,
            "list": t.task_list.title,
            "title": t.title,
            "notes": t.notes,
            "status": _code(t.status),
            "due_on": _when(t.due_on),
            "created_by_you": t.created_by_id == user.id,
            "assigned_to_you": user.id in assignees.get(t.id, []),
            "assignee_person_ids": assignees.get(t.id, []),
            "created_at": _when(t.created_at),
            "completed_at": _when(t.completed_at),
        }
        for t in rows
    ]


def events(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Event, EventParticipant.side)
        .outerjoin(
            EventParticipant,
            (EventParticipant.event_id == Event.id) & (EventParticipant.user_id == user.id),
        )
        .where(or_(EventParticipant.id.is_not(None), Event.created_by_id == user.id))
        .order_by(Event.starts_at, Event.id)
    )
    return [
        {
            "event_id": e.id,
            "pair_id": e.pair_id,
            "kind": _code(e.kind),
            "title": e.title,
            "description": e.description,
            "starts_at": _when(e.starts_at),
            "ends_at": _when(e.ends_at),
            "timezone": e.timezone,
            "place": e.place,
            "online_url": e.online_url,
            "you_take_part": side is not None,
            "your_side": _code(side),
            "added_by_you": e.created_by_id == user.id,
        }
        for e, side in rows
    ]


def notifications(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return [
        {
            "notification_id": n.id,
            "kind": _code(n.kind),
            "pair_id": n.pair_id,
            "from_person_id": n.actor_id,
            "about": {"type": n.subject_type, "id": n.subject_id},
            "title": n.title,
            "detail": n.detail,
            "link": n.url,
            "created_at": _when(n.created_at),
            "read_at": _when(n.read_at),
            "emailed_at": _when(n.emailed_at),
        }
        for n in rows
    ]


def thread_subscriptions(user: User) -> list[dict]:
    rows = db.session.execute(
        select(ThreadSubscription, Thread.title)
        .join(Thread, Thread.id == ThreadSubscription.thread_id)
        .where(ThreadSubscription.user_id == user.id)
        .order_by(ThreadSubscription.id)
    )
    return [
        {
            "thread_id": s.thread_id,
            "thread_title": title,
            "state": _code(s.state),
            "read_up_to_post_id": s.last_read_post_id,
        }
        for s, title in rows
    ]


def consents(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Consent).where(Consent.user_id == user.id).order_by(Consent.id)
    )
    return [
        {
            "pair_id": c.pair_id,
            "notice_version": c.notice_version,
            "language": c.locale,
            "given_at": _when(c.given_at),
            "withdrawn_at": _when(c.withdrawn_at),
        }
        for c in rows
    ]


def attachments(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)
    )
    return [
        {
            "attachment_id": a.id,
            "file_name": a.filename,
            "content_type": a.content_type,
            "size_bytes": a.size,
            "post_id": a.post_id,
            "event_id": a.event_id,
            "uploaded_at": _when(a.created_at),
        }
        for a in rows
    ]


def assessment_ratings(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(AssessmentRating)
        .where(AssessmentRating.author_id == user.id)
        .order_by(AssessmentRating.id)
    )
    return [
        {
            "rating_id": r.id,
            "pair_id": r.pair_id,
            "key_factor_id": r.key_factor_id,
            "rating": _code(r.rating),
            "target": _code(r.target),
            "priority": _code(r.priority),
            "evidence": r.evidence,
            "language": r.language,
            "written_at": _when(r.created_at),
        }
        for r in rows
    ]


def plan_review_steps(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(PlanReviewStep).where(PlanReviewStep.actor_id == user.id).order_by(PlanReviewStep.id)
    )
    return [
        {
            "plan_id": s.plan_id,
            "from": _code(s.from_status),
            "to": _code(s.to_status),
            "note": s.note,
            "at": _when(s.created_at),
        }
        for s in rows
    ]


def audit_entries(user: User) -> list[dict]:
    """Entries about the person, or of what they did. The detail of an entry about someone
    else is left out: it may describe that person."""
    rows = db.session.scalars(
        select(AuditEntry)
        .where(or_(AuditEntry.subject_user_id == user.id, AuditEntry.actor_id == user.id))
        .order_by(AuditEntry.id)
    )
    return [
        {
            "action": _code(e.action),
            "at": _when(e.created_at),
            "by_person_id": e.actor_id,
            "about_person_id": e.subject_user_id,
            "pair_id": e.pair_id,
            "detail": e.detail if e.subject_user_id in (user.id, None) else None,
        }
        for e in rows
    ]


# File name → what builds it; the "Your data" page describes the same files.
FILES = {
    "profile.json": profile,
    "notification_settings.json": notification_settings,
    "memberships.json": memberships,
    "posts.json": posts,
    "post_revisions.json": post_revisions,
    "plan_section_revisions.json": plan_section_revisions,
    "plan_section_comments.json": section_comments,
    "plan_review_steps.json": plan_review_steps,
    "assessment_ratings.json": assessment_ratings,
    "tasks.json": tasks,
    "events.json": events,
    "notifications.json": notifications,
    "thread_subscriptions.json": thread_subscriptions,
    "consents.json": consents,
    "attachments.json": attachments,
    "audit_log.json": audit_entries,
}


def build(user: User) -> bytes:
    """The ZIP archive of the person's data."""
    now = utcnow()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "format_version": FORMAT_VERSION,
            "exported_at": _when(now),
            "person_id": user.id,
            "files": sorted(FILES),
            "note": (
                "Other people appear only as a number (person_id), never by name or e-mail "
                "address. Times are in UTC (ISO 8601)."
            ),
        }
        archive.writestr("export.json", _dump(manifest))
        for name, builder in FILES.items():
            archive.writestr(name, _dump(builder(user)))
    return buffer.getvalue()


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
