"""The review workflow: draft → in review (a core member submits) → approved by the consultant,
or changes requested back to draft → adopted by the mentee side; then read-only, with a new
version started from it. Each step is logged, lands on the timeline and notifies the pair.

Refusals: 403 for anyone the policy refuses the step, whether for their role or for the
plan's status; 409 only when the status moved between loading the plan and writing it."""

from functools import cache

from flask import abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .. import db, policy
from ..activity import record
from ..htmx import navigate, wants_fragment
from ..labels import PLAN_STATUSES
from ..models import (
    ActivityKind,
    Membership,
    NotificationKind,
    Plan,
    PlanReviewStep,
    PlanStatus,
    User,
    cluster_consultant,
)
from ..notifications.services import notify
from . import bp, plan_page_extra, services

NOTE_MAX = 2000


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=NOTE_MAX)],
        description=_l("Shown in the review history and sent with the notification."),
    )

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if note_required:
            self.note.validators = [
                DataRequired(message=_l("Say what should change.")),
                *self.note.validators,
            ]


class StatusMoved(Exception):
    """The plan is no longer in the status the step starts from."""


# The steps: name → (who may, from, to, note required).
STEPS = {
    "submit": (policy.can_submit_plan, PlanStatus.DRAFT, PlanStatus.IN_REVIEW, False),
    "approve": (policy.can_review_plan, PlanStatus.IN_REVIEW, PlanStatus.APPROVED, False),
    "request_changes": (policy.can_review_plan, PlanStatus.IN_REVIEW, PlanStatus.DRAFT, True),
    "adopt": (policy.can_adopt_plan, PlanStatus.APPROVED, PlanStatus.ADOPTED, False),
}


def subject_type(status: PlanStatus) -> str:
    """Activity and notifications about a step name the plan with its new status, so the
    timeline and the notification can say which step it was (plan_approved …)."""
    return f"plan_{status.value}"


def plan_url(plan: Plan, **kwargs) -> str:
    return url_for("plans.show", pair_id=plan.pair_id, plan_id=plan.id, **kwargs)


# Services -------------------------------------------------------------------------------


def people_to_tell(plan: Plan) -> list[User]:
    """The pair's members and its cluster's consultants: everyone the plan concerns."""
    members = select(Membership.user_id).where(Membership.pair_id == plan.pair_id)
    consultants = select(cluster_consultant.c.user_id).where(
        cluster_consultant.c.cluster_id == plan.pair.cluster_id
    )
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.id.in_(members), User.id.in_(consultants)))
            .order_by(User.id)
        )
    )


def move(plan: Plan, step: str, actor: User, note: str = "") -> PlanReviewStep:
    """Take the step. The status changes by compare-and-set, so of two people taking steps at
    once only one succeeds; the other gets ``StatusMoved`` and nothing is written."""
    _may, from_status, to_status, _note_required = STEPS[step]
    moved = db.session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.status == from_status)
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise StatusMoved
    plan.status = to_status
    plan.touch()
    entry = PlanReviewStep(
        plan_id=plan.id,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note.strip(),
    )
    db.session.add(entry)
    db.session.flush()
    record(
        plan.pair,
        ActivityKind.PLAN_STATUS_CHANGED,
        actor,
        subject_type(to_status),
        plan.id,
        plan.title,
    )
    notify(
        people_to_tell(plan),
        NotificationKind.PLAN_STATUS,
        actor=actor,
        pair=plan.pair,
        subject_type=subject_type(to_status),
        subject_id=plan.id,
        url=plan_url(plan, _anchor="plan-review"),
        title=plan.title,
        detail=entry.note,
    )
    return entry


def next_version(plan: Plan) -> Plan | None:
    return db.session.scalar(
        select(Plan).where(Plan.previous_id == plan.id).order_by(Plan.id).limit(1)
    )


def start_version(adopted: Plan, author: User) -> Plan:
    """The draft that follows an adopted plan: the one already started, else a new one."""
    existing = next_version(adopted)
    if existing is not None:
        return existing
    plan = services.start_new_version(adopted, author)
    record(plan.pair_id, ActivityKind.PLAN_CREATED, author, "plan", plan.id, plan.title)
    return plan


# The plan page --------------------------------------------------------------------------


@cache
def _steps_query():
    # Built once per process, as statements with eager loads cost more to build than to run.
    return (
        select(PlanReviewStep)
        .where(PlanReviewStep.plan_id == bindparam("plan_id"))
        .options(joinedload(PlanReviewStep.actor))
        .order_by(PlanReviewStep.id)
    )


@plan_page_extra
def review_extra(plan: Plan, language: str, form: ReviewForm | None = None) -> dict:
    """The review history: one query. (The plan page loads the version that follows an
    adopted plan with the plan: services.load_plan_page.)"""
    steps = db.session.scalars(_steps_query(), {"plan_id": plan.id}).all()
    if form is None and any(may(current_user, plan) for may, *_rest in STEPS.values()):
        form = ReviewForm(formdata=None, prefix="review")  # only where _review.html shows it
    return {"review_steps": steps, "review_form": form}


# Routes ---------------------------------------------------------------------------------


def _take(pair_id: int, plan_id: int, step: str):
    pair = policy.pair_or_404(pair_id)
    plan = services.plan_or_404(pair, plan_id)
    may, _from, _to, note_required = STEPS[step]
    if not may(current_user, plan):
        abort(403)
    form = ReviewForm(prefix="review", note_required=note_required)
    language = request.form.get("lang", "")
    language = language if language in services.languages_of(plan) else plan.language
    if not form.validate_on_submit():
        context = {"pair": pair, "plan": plan, "language": language, "plan_statuses": PLAN_STATUSES}
        context.update(review_extra(plan, language, form))
        context["next_version"] = next_version(plan) if plan.status is PlanStatus.ADOPTED else None
        if wants_fragment():
            return render_block("plans/_review.html", "plan_review", **context)
        return render_template("plans/review.html", **context)
    try:
        move(plan, step, current_user, form.note.data or "")
    except StatusMoved:
        db.session.rollback()
        abort(409)
    db.session.commit()
    # No #fragment: to htmx, a redirect to the page it is on plus a fragment would not load.
    return navigate(plan_url(plan, lang=language))


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/submit")
@login_required
def submit(pair_id: int, plan_id: int):
    return _take(pair_id, plan_id, "submit")


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/approve")
@login_required
def approve(pair_id: int, plan_id: int):
    return _take(pair_id, plan_id, "approve")


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/request-changes")
@login_required
def request_changes(pair_id: int, plan_id: int):
    return _take(pair_id, plan_id, "request_changes")


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/adopt")
@login_required
def adopt(pair_id: int, plan_id: int):
    return _take(pair_id, plan_id, "adopt")


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/new-version")
@login_required
def start_new_version(pair_id: int, plan_id: int):
    pair = policy.pair_or_404(pair_id)
    plan = services.plan_or_404(pair, plan_id)
    if not policy.can_start_plan_version(current_user, plan):
        abort(403)
    draft = start_version(plan, current_user)
    db.session.commit()
    return navigate(plan_url(draft))
