from flask import Blueprint, abort, flash, redirect, request, url_for
from flask import render_template as render_page
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, db, policy
from ..auth import services as accounts
from ..htmx import render, wants_fragment
from ..models import (
    AuditAction,
    Cluster,
    Invitation,
    Membership,
    MentoringTheme,
    Organisation,
    OrganisationKind,
    Pair,
    PairStatus,
    User,
    side_for,
    utcnow,
)
from ..pairs.forms import PositionForm, parse_position, position_code
from ..policy import programme_admin_required
from .forms import ClusterForm, EmailForm, OrganisationForm, PairForm, ProgrammeInvitationForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
@programme_admin_required
def require_programme_admin():
    """Every page here is for the programme administrator only."""


def _get_or_404(model, id_: int):
    obj = db.session.get(model, id_)
    if obj is None:
        abort(404)
    return obj


@bp.get("/")
def index():
    counts = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, Pair, Cluster, User)
    }
    return render_page("admin/index.html", counts=counts)


# Organisations --------------------------------------------------------------------------


@bp.get("/organisations")
def organisations():
    rows = db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name))
    return render_page("admin/organisations.html", organisations=list(rows))


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int | None = None):
    organisation = _get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(current=organisation)
    if form.validate_on_submit():
        if organisation is None:
            organisation = Organisation()
            db.session.add(organisation)
        organisation.name = form.name.data.strip()
        organisation.kind = OrganisationKind(form.kind.data)
        organisation.country = form.country.data
        db.session.commit()
        flash(_("Saved %(name)s.", name=organisation.name), "success")
        return redirect(url_for("admin.organisations"), code=303)
    return render_page("admin/organisation_form.html", form=form, organisation=organisation)


# Pairs ----------------------------------------------------------------------------------


@bp.get("/pairs")
def pairs():
    rows = db.session.scalars(
        select(Pair)
        .options(
            joinedload(Pair.mentor_city), joinedload(Pair.mentee_city), joinedload(Pair.cluster)
        )
        .order_by(Pair.id)
    )
    return render_page("admin/pairs.html", pairs=list(rows))


@bp.route("/pairs/new", methods=["GET", "POST"])
@bp.route("/pairs/<int:pair_id>", methods=["GET", "POST"])
def edit_pair(pair_id: int | None = None):
    pair = _get_or_404(Pair, pair_id) if pair_id else None
    form = PairForm(obj=pair)
    if pair is not None and not form.is_submitted():
        form.mentor_city.data = pair.mentor_city_id
        form.mentee_city.data = pair.mentee_city_id
        form.mentor_association.data = str(pair.mentor_association_id or "")
        form.mentee_association.data = str(pair.mentee_association_id or "")
        form.cluster.data = str(pair.cluster_id or "")
        form.mentoring_theme.data = pair.mentoring_theme.value
        form.status.data = pair.status.value
    if form.validate_on_submit():
        if pair is None:
            pair = Pair()
            db.session.add(pair)
        pair.mentor_city_id = form.mentor_city.data
        pair.mentee_city_id = form.mentee_city.data
        pair.mentor_association_id = _optional_id(form.mentor_association.data)
        pair.mentee_association_id = _optional_id(form.mentee_association.data)
        pair.cluster_id = _optional_id(form.cluster.data)
        pair.mentoring_theme = MentoringTheme(form.mentoring_theme.data)
        pair.themes = form.themes.data
        pair.focus = form.focus.data.strip()
        pair.focus_language = form.focus_language.data
        pair.working_languages = form.working_languages.data
        pair.status = PairStatus(form.status.data)
        pair.starts_on = form.starts_on.data
        pair.ends_on = form.ends_on.data
        db.session.commit()
        flash(_("The pair is saved."), "success")
        return redirect(url_for("admin.members", pair_id=pair.id), code=303)
    return render_page("admin/pair_form.html", form=form, pair=pair)


def _optional_id(value: str) -> int | None:
    return int(value) if value else None


# Memberships ----------------------------------------------------------------------------


def _members_page(pair: Pair, form: PositionForm):
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.pair_id == pair.id)
        .options(joinedload(Membership.user), joinedload(Membership.organisation))
        .order_by(Membership.side, Membership.role)
    )
    return render(
        "admin/members.html",
        "members",
        pair=pair,
        form=form,
        memberships=list(memberships),
        positions=policy.invitable(current_user, pair),
        position_code=position_code,
    )


@bp.route("/pairs/<int:pair_id>/members", methods=["GET", "POST"])
def members(pair_id: int):
    pair = _get_or_404(Pair, pair_id)
    form = PositionForm(positions=policy.invitable(current_user, pair))
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(_("No account uses this address. Send an invitation instead."))
        else:
            role, side = parse_position(form.position.data)
            membership = db.session.scalar(
                select(Membership).where(
                    Membership.pair_id == pair.id, Membership.user_id == user.id
                )
            )
            before = None
            if membership is None:
                membership = Membership(pair=pair, user=user)
                db.session.add(membership)
            else:
                before = audit.position(membership.role, membership.side)
            membership.role, membership.side = role, side_for(role, side)
            membership.organisation_id = form.organisation_id
            _record_position(membership, before)
            db.session.commit()
            if not wants_fragment():
                return redirect(url_for("admin.members", pair_id=pair.id), code=303)
            form = PositionForm(positions=policy.invitable(current_user, pair), formdata=None)
    return _members_page(pair, form)


def _membership_or_404(pair_id: int, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.pair_id != pair_id:
        abort(404)
    return membership


@bp.post("/pairs/<int:pair_id>/members/<int:membership_id>")
def change_member(pair_id: int, membership_id: int):
    membership = _membership_or_404(pair_id, membership_id)
    try:
        role, side = parse_position(request.form.get("position", ""))
    except ValueError:
        abort(400)
    before = audit.position(membership.role, membership.side)
    membership.role, membership.side = role, side_for(role, side)
    _record_position(membership, before)
    db.session.commit()
    return _after_member_change(membership.pair)


def _record_position(membership: Membership, before: str | None) -> None:
    """Log a new membership, or a changed role or side (nothing when it stayed the same)."""
    after = audit.position(membership.role, membership.side)
    if before is None:
        action, detail = AuditAction.MEMBERSHIP_ADDED, after
    elif before != after:
        action, detail = AuditAction.MEMBERSHIP_CHANGED, f"{before} → {after}"
    else:
        return
    audit.record(action, subject_user=membership.user, pair=membership.pair, detail=detail)


@bp.post("/pairs/<int:pair_id>/members/<int:membership_id>/remove")
def remove_member(pair_id: int, membership_id: int):
    membership = _membership_or_404(pair_id, membership_id)
    pair = membership.pair
    audit.record(
        AuditAction.MEMBERSHIP_REMOVED,
        subject_user=membership.user,
        pair=pair,
        detail=audit.position(membership.role, membership.side),
    )
    db.session.delete(membership)
    db.session.commit()
    return _after_member_change(pair)


def _after_member_change(pair: Pair):
    if wants_fragment():
        form = PositionForm(positions=policy.invitable(current_user, pair), formdata=None)
        return _members_page(pair, form)
    return redirect(url_for("admin.members", pair_id=pair.id), code=303)


# Clusters -------------------------------------------------------------------------------


@bp.get("/clusters")
def clusters():
    rows = db.session.scalars(
        select(Cluster)
        .options(selectinload(Cluster.pairs), selectinload(Cluster.consultants))
        .order_by(Cluster.name)
    )
    return render_page("admin/clusters.html", clusters=list(rows))


def _pair_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(
        select(Pair).options(joinedload(Pair.mentor_city), joinedload(Pair.mentee_city))
    )
    return [(pair.id, pair.name) for pair in rows]


@bp.route("/clusters/new", methods=["GET", "POST"])
@bp.route("/clusters/<int:cluster_id>", methods=["GET", "POST"])
def edit_cluster(cluster_id: int | None = None):
    cluster = _get_or_404(Cluster, cluster_id) if cluster_id else None
    form = ClusterForm(current=cluster, pair_choices=_pair_choices())
    if form.validate_on_submit():
        if cluster is None:
            cluster = Cluster()
            db.session.add(cluster)
        cluster.name = form.name.data.strip()
        cluster.pairs = list(
            db.session.scalars(select(Pair).where(Pair.id.in_(form.pairs.data or [])))
        )
        db.session.commit()
        flash(_("The cluster is saved."), "success")
        return redirect(url_for("admin.edit_cluster", cluster_id=cluster.id), code=303)
    return render_page(
        "admin/cluster_form.html", form=form, cluster=cluster, consultant_form=EmailForm()
    )


@bp.post("/clusters/<int:cluster_id>/consultants")
def add_consultant(cluster_id: int):
    cluster = _get_or_404(Cluster, cluster_id)
    consultant_form = EmailForm()
    if consultant_form.validate_on_submit():
        user = accounts.find_user_by_email(consultant_form.email.data)
        if user is None:
            consultant_form.email.errors.append(
                _("No account uses this address. Send an invitation instead.")
            )
        else:
            if user not in cluster.consultants:
                cluster.consultants.append(user)
                audit.record(
                    AuditAction.CONSULTANT_ADDED,
                    subject_user=user,
                    detail=f"cluster {cluster.id} ({cluster.name})",
                )
            db.session.commit()
            return redirect(url_for("admin.edit_cluster", cluster_id=cluster.id), code=303)
    form = ClusterForm(current=cluster, pair_choices=_pair_choices(), formdata=None)
    return render_page(
        "admin/cluster_form.html", form=form, cluster=cluster, consultant_form=consultant_form
    )


@bp.post("/clusters/<int:cluster_id>/consultants/<int:user_id>/remove")
def remove_consultant(cluster_id: int, user_id: int):
    cluster = _get_or_404(Cluster, cluster_id)
    for user in [u for u in cluster.consultants if u.id == user_id]:
        cluster.consultants.remove(user)
        audit.record(
            AuditAction.CONSULTANT_REMOVED,
            subject_user=user,
            detail=f"cluster {cluster.id} ({cluster.name})",
        )
    db.session.commit()
    return redirect(url_for("admin.edit_cluster", cluster_id=cluster.id), code=303)


# Invitations ----------------------------------------------------------------------------


@bp.route("/invitations", methods=["GET", "POST"])
def invitations():
    form = ProgrammeInvitationForm()
    if not form.is_submitted():
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        offer: dict = {"organisation_id": _optional_id(form.organisation.data)}
        if form.offer.data == "admin":
            offer["as_admin"] = True
        else:
            offer["cluster"] = _get_or_404(Cluster, int(form.offer.data.partition(":")[2]))
        invitation = accounts.invite(
            form.email.data, invited_by=current_user, locale=form.language.data, **offer
        )
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
        return redirect(url_for("admin.invitations"), code=303)
    pending = db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow())
        .options(
            joinedload(Invitation.pair).joinedload(Pair.mentor_city),
            joinedload(Invitation.pair).joinedload(Pair.mentee_city),
            joinedload(Invitation.cluster),
        )
        .order_by(Invitation.created_at.desc())
        .limit(200)
    )
    return render_page("admin/invitations.html", form=form, pending=list(pending))
