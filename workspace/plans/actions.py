"""A plan's actions (structured rows, inline with htmx and with plain forms) and the coverage
view: which prioritised gaps of the pair's self-assessment no action addresses yet."""

from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import db, policy
from ..benchmarks import services as benchmarks
from ..htmx import render, wants_fragment
from ..labels import ACTION_STATUSES
from ..models import (
    ActionStatus,
    AssessmentRating,
    KeyFactor,
    Membership,
    Organisation,
    Pair,
    Plan,
    PlanAction,
    Priority,
    User,
    plan_action_key_factor,
    utcnow,
)
from . import bp, services
from .action_forms import ActionForm

# Loading --------------------------------------------------------------------------------


def _action_or_404(plan: Plan, action_id: int) -> PlanAction:
    action = db.session.get(PlanAction, action_id)
    if action is None or action.plan_id != plan.id:
        abort(404)
    return action


def plan_url(plan: Plan) -> str:
    return url_for("plans.show", pair_id=plan.pair_id, plan_id=plan.id)


# Data -----------------------------------------------------------------------------------


def pair_organisations(pair: Pair) -> list[Organisation]:
    """Who may lead an action: the pair's cities and associations, and the organisations of
    its members (one query)."""
    own = [
        pair.mentor_city_id,
        pair.mentee_city_id,
        pair.mentor_association_id,
        pair.mentee_association_id,
    ]
    members = select(Membership.organisation_id).where(Membership.pair_id == pair.id)
    members_own = (
        select(User.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.pair_id == pair.id)
    )
    query = (
        select(Organisation)
        .where(
            or_(
                Organisation.id.in_([i for i in own if i is not None]),
                Organisation.id.in_(members),
                Organisation.id.in_(members_own),
            )
        )
        .order_by(Organisation.name)
    )
    return list(db.session.scalars(query))


def plan_actions(plan: Plan) -> list[PlanAction]:
    """The plan's actions in order, with their key factors and lead (three queries)."""
    query = (
        select(PlanAction)
        .where(PlanAction.plan_id == plan.id)
        .options(
            selectinload(PlanAction.key_factors).selectinload(KeyFactor.texts),
            joinedload(PlanAction.lead_organisation),
        )
        .order_by(PlanAction.position, PlanAction.id)
    )
    return list(db.session.scalars(query))


def add_action(plan: Plan, **values) -> PlanAction:
    last = db.session.scalar(
        select(PlanAction.position)
        .where(PlanAction.plan_id == plan.id)
        .order_by(PlanAction.position.desc())
        .limit(1)
    )
    action = PlanAction(plan=plan, position=(last or 0) + 1, **values)
    db.session.add(action)
    plan.touch()
    db.session.flush()
    return action


def save_action(action: PlanAction, **values) -> None:
    for name, value in values.items():
        setattr(action, name, value)
    action.updated_at = utcnow()
    action.plan.touch()
    db.session.flush()


def remove_action(action: PlanAction) -> None:
    action.plan.touch()
    db.session.delete(action)
    db.session.flush()


def shift_action(action: PlanAction, offset: int) -> bool:
    """Move the action up (-1) or down (+1) among the plan's; False at either end."""
    siblings = list(
        db.session.scalars(
            select(PlanAction)
            .where(PlanAction.plan_id == action.plan_id)
            .order_by(PlanAction.position, PlanAction.id)
        )
    )
    here = siblings.index(action)
    there = here + offset
    if not 0 <= there < len(siblings):
        return False
    siblings[here], siblings[there] = siblings[there], siblings[here]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    action.plan.touch()
    db.session.flush()
    return True


# Coverage -------------------------------------------------------------------------------

PRIORITISED = (Priority.HIGH, Priority.MEDIUM)


@dataclass(frozen=True)
class CoverageRow:
    """One key factor: the pair's current rating of it, and the plan's actions addressing it
    (dropped actions do not count)."""

    factor: KeyFactor
    title: str
    language: str  # of the title
    rating: AssessmentRating | None
    actions: list[PlanAction]

    @property
    def is_gap(self) -> bool:
        return self.rating is not None and self.rating.is_gap

    @property
    def prioritised(self) -> bool:
        return self.is_gap and self.rating.priority in PRIORITISED

    @property
    def uncovered(self) -> bool:
        """A prioritised gap that no action addresses yet."""
        return self.prioritised and not self.actions


def coverage_rows(plan: Plan, language: str) -> list[CoverageRow]:
    """Every key factor of the pair's theme in benchmark order (four queries)."""
    pair = plan.pair
    factors = benchmarks.key_factors(pair.mentoring_theme)
    current = benchmarks.current_ratings(pair)
    addressing: dict[int, list[PlanAction]] = {}
    rows = db.session.execute(
        select(plan_action_key_factor.c.key_factor_id, PlanAction)
        .join(PlanAction, PlanAction.id == plan_action_key_factor.c.action_id)
        .where(PlanAction.plan_id == plan.id, PlanAction.status != ActionStatus.DROPPED)
        .order_by(PlanAction.position, PlanAction.id)
    )
    for factor_id, action in rows:
        addressing.setdefault(factor_id, []).append(action)
    result = []
    for factor in factors:
        text = factor.text(language)
        result.append(
            CoverageRow(
                factor=factor,
                title=text.title,
                language=text.language,
                rating=current.get(factor.id),
                actions=addressing.get(factor.id, []),
            )
        )
    return result


def uncovered_first(rows: list[CoverageRow]) -> list[CoverageRow]:
    """The prioritised gaps without an action: high priority first, then benchmark order."""
    flagged = [r for r in rows if r.uncovered]
    return sorted(flagged, key=lambda r: r.rating.priority is not Priority.HIGH)


# The actions page -----------------------------------------------------------------------


def _language() -> str:
    return str(get_locale())


def _form(plan: Plan, **kwargs) -> ActionForm:
    factors = benchmarks.key_factors(plan.pair.mentoring_theme)
    return ActionForm(factors, pair_organisations(plan.pair), _language(), **kwargs)


def _page(plan: Plan, *, form=None, editing: PlanAction | None = None, message=None):
    """The actions page, or to htmx its ``actions`` block. Editors get the form: a new action,
    or the one they are editing."""
    if form is None and policy.can_edit_plan_text(current_user, plan):
        form = _form(plan, formdata=None)
        if editing is not None:
            form.fill(editing)
        else:
            form.status.data = ActionStatus.PLANNED.value
    return render(
        "plans/actions.html",
        "actions",
        pair=plan.pair,
        plan=plan,
        actions=plan_actions(plan),
        form=form,
        editing=editing,
        statuses=ACTION_STATUSES,
        language=_language(),
        plan_url=plan_url(plan),
        message=message,
        fragment=wants_fragment(),
    )


def _done(plan: Plan, message: str, anchor: str | None = None):
    """After a change: to htmx the updated block, otherwise Post/Redirect/Get."""
    db.session.commit()
    if wants_fragment():
        return _page(plan, message=message)
    flash(message, "success")
    url = url_for("plans.actions", pair_id=plan.pair_id, plan_id=plan.id, _anchor=anchor)
    return redirect(url, code=303)


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/actions")
@login_required
def actions(pair_id: int, plan_id: int):
    plan = services.load_plan(pair_id, plan_id)
    editing = None
    edit_id = request.args.get("edit", type=int)
    if edit_id is not None and policy.can_edit_plan_text(current_user, plan):
        editing = _action_or_404(plan, edit_id)
    return _page(plan, editing=editing)


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/actions")
@login_required
def create_action(pair_id: int, plan_id: int):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_edit_plan_text)
    form = _form(plan)
    if not form.validate():
        return _page(plan, form=form)
    action = add_action(plan, **form.values())
    return _done(plan, _("Action “%(title)s” added.", title=action.title), f"action-{action.id}")


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/actions/<int:action_id>")
@login_required
def update_action(pair_id: int, plan_id: int, action_id: int):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_edit_plan_text)
    action = _action_or_404(plan, action_id)
    form = _form(plan)
    if not form.validate():
        return _page(plan, form=form, editing=action)
    save_action(action, **form.values())
    return _done(plan, _("Action “%(title)s” saved.", title=action.title), f"action-{action.id}")


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/actions/<int:action_id>/delete")
@login_required
def delete_action(pair_id: int, plan_id: int, action_id: int):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_edit_plan_text)
    action = _action_or_404(plan, action_id)
    title = action.title
    remove_action(action)
    return _done(plan, _("Action “%(title)s” deleted.", title=title))


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/actions/<int:action_id>/move")
@login_required
def move_action(pair_id: int, plan_id: int, action_id: int):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_edit_plan_text)
    action = _action_or_404(plan, action_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    shift_action(action, -1 if direction == "up" else 1)
    message = (
        _("“%(title)s” moved up.") if direction == "up" else _("“%(title)s” moved down.")
    ) % {"title": action.title}
    return _done(plan, message, f"action-{action.id}")


# The coverage view ----------------------------------------------------------------------


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/coverage")
@login_required
def coverage(pair_id: int, plan_id: int):
    plan = services.load_plan(pair_id, plan_id)
    rows = coverage_rows(plan, _language())
    return render(
        "plans/coverage.html",
        "coverage",
        pair=plan.pair,
        plan=plan,
        rows=rows,
        flagged=uncovered_first(rows),
        rated=any(r.rating is not None for r in rows),
        ratings=benchmarks.RATINGS,
        priorities=benchmarks.PRIORITIES,
        plan_url=plan_url(plan),
    )
