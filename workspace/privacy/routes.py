"""Data export and account erasure: for the person themselves, and the programme
administrator's list of people with its erase button."""

from flask import abort, flash, make_response, request, url_for
from flask import render_template as render_page
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from .. import audit, db, policy
from ..auth import services as accounts
from ..extensions import limiter
from ..htmx import navigate
from ..models import AuditAction, User, utcnow
from ..policy import programme_admin_required
from . import bp, erasure, export

PEOPLE_PAGE_SIZE = 50


class EraseOwnAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Type your password to confirm.")), Length(max=1000)],
        description=_l("To be sure it is you, type the password you sign in with."),
    )


class ErasePersonForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that erasing this account cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


def _erase_key() -> str:
    """Rate-limit key for password attempts on the erase form: the account, else the address."""
    if current_user.is_authenticated:
        return f"erase:{current_user.id}"
    return f"erase:{get_remote_address()}"


# The person's own data ------------------------------------------------------------------


@bp.get("/privacy/data")
@login_required
def your_data():
    if not policy.can_export_data(current_user):
        abort(403)
    return render_page("privacy/your_data.html")


@bp.post("/privacy/data/export")
@login_required
def export_data():
    if not policy.can_export_data(current_user):
        abort(403)
    user = current_user._get_current_object()
    archive = export.build(user)
    audit.record(AuditAction.DATA_EXPORTED, actor=user, subject_user=user)
    db.session.commit()
    response = make_response(archive)
    response.headers["Content-Type"] = "application/zip"
    name = f"workspace-data-{utcnow():%Y-%m-%d}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/privacy/erase", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"], key_func=_erase_key)
@login_required
def erase_account():
    user = current_user._get_current_object()
    if not policy.can_erase_account(user, user):
        abort(403)
    form = EraseOwnAccountForm()
    problem = erasure.refusal(user)
    if problem is None and form.validate_on_submit():
        if accounts.authenticate(user.email, form.password.data) is None:
            form.password.errors.append(_("This is not your password. Nothing was erased."))
        else:
            erasure.erase(user, actor=user)
            db.session.commit()
            logout_user()
            flash(_("Your account has been erased. Thank you for taking part."), "success")
            return navigate(url_for("auth.sign_in"))
    return render_page("privacy/erase_account.html", form=form, problem=problem)


# The programme administrator's list of people -------------------------------------------


@bp.get("/admin/people")
@login_required
@programme_admin_required
def people():
    """Everyone with an account (erased ones only counted), by name; keyset paged by
    ?after=<id> of the last person on the previous page."""
    query = (
        select(User)
        .where(User.erased_at.is_(None))
        .options(joinedload(User.organisation))
        .order_by(User.name, User.id)
        .limit(PEOPLE_PAGE_SIZE + 1)
    )
    after = request.args.get("after", type=int)
    if after:
        last = select(User.name).where(User.id == after).scalar_subquery()
        query = query.where((User.name > last) | ((User.name == last) & (User.id > after)))
    rows = list(db.session.scalars(query))
    more = len(rows) > PEOPLE_PAGE_SIZE
    rows = rows[:PEOPLE_PAGE_SIZE]
    erased = db.session.scalar(
        select(func.count()).select_from(User).where(User.erased_at.is_not(None))
    )
    return render_page(
        "privacy/people.html",
        people=rows,
        erased=erased,
        next_after=rows[-1].id if more else None,
        first_page=not after,
    )


@bp.route("/admin/people/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
@programme_admin_required
def erase_person(user_id: int):
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    if account.id == current_user.id:  # one's own: with the password, like everyone
        return navigate(url_for(".erase_account"))
    if account.erased_at is not None:
        if request.method == "POST":
            flash(_("This account has already been erased."), "info")
            return navigate(url_for(".people"))
        return render_page("privacy/erase_person.html", account=account, form=None, problem=None)
    if not policy.can_erase_account(current_user, account):
        abort(403)
    form = ErasePersonForm()
    problem = erasure.refusal(account)
    if problem is None and form.validate_on_submit():
        erasure.erase(account, actor=current_user._get_current_object())
        db.session.commit()
        flash(_("The account has been erased."), "success")
        return navigate(url_for(".people"))
    return render_page("privacy/erase_person.html", account=account, form=form, problem=problem)
