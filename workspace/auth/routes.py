from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask import render_template as render_page
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import db
from ..extensions import limiter
from ..models import EmailPreference, User
from ..privacy import consent as consents
from ..safety import safe_next_url
from . import services
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConsentForm,
    ForgotPasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SignInForm,
)

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """Rate-limit key for the account a form names, whether or not it exists."""
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("20/minute;200/day", methods=["POST"])
@limiter.limit("10/15minutes", methods=["POST"], key_func=_account_key)
def sign_in():
    next_url = safe_next_url(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("pairs.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()  # a rehashed password
            login_user(user)
            return redirect(next_url or url_for("pairs.home"))
        form.password.errors.append(_("The e-mail address or the password is incorrect."))
    return render_page("auth/sign_in.html", form=form, next_url=next_url)


@bp.post("/signout")
@login_required
def sign_out():
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash(_("You are signed out on all your devices."), "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
@limiter.limit("3/hour", methods=["POST"], key_func=_account_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            services.send_password_reset(user)
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link is valid for one hour."
            ),
            "success",
        )
        return redirect(url_for("auth.sign_in"))
    return render_page("auth/forgot_password.html", form=form)


def _link_not_found(response) -> bool:
    return response.status_code == 404


# Guessing link tokens: each address may try so many links that turn out not to exist.
LINK_GUESSES = "30/hour"


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
@limiter.limit(LINK_GUESSES, deduct_when=_link_not_found)
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_page("auth/link_expired.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_page("auth/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
@limiter.limit(LINK_GUESSES, deduct_when=_link_not_found)
def accept_invitation(token: str):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render_page("auth/link_expired.html"), 404
    existing = services.find_user_by_email(invitation.email)
    if existing is not None:
        return _accept_as_existing_user(invitation, existing)

    if current_user.is_authenticated:
        logout_user()
    form = AcceptInvitationForm(
        email=invitation.email, needs_consent=consents.needs_consent(invitation)
    )
    if request.method == "GET":
        form.language.data = invitation.locale
    if form.validate_on_submit():
        user = User(
            email=invitation.email,
            name=form.name.data.strip(),
            password_hash=services.hash_password(form.password.data),
            locale=form.language.data,
            timezone=current_app.config["DEFAULT_USER_TIMEZONE"],
            email_preference=EmailPreference.OFF,
            organisation_id=invitation.organisation_id,
        )
        db.session.add(user)
        services.accept(invitation, user)
        if form.consent is not None:
            consents.give(user, invitation)
        db.session.commit()
        login_user(user)
        flash(_("Welcome to the mentoring workspace."), "success")
        return redirect(_landing(invitation))
    return render_page("auth/accept_invitation.html", form=form, invitation=invitation)


def _accept_as_existing_user(invitation, user: User):
    if not current_user.is_authenticated:
        flash(_("You already have an account: sign in to accept the invitation."), "info")
        return redirect(url_for("auth.sign_in", next=request.path))
    if current_user.id != user.id:
        return render_page("auth/invitation_other_account.html", invitation=invitation), 403
    consent_form = ConsentForm() if consents.needs_consent(invitation) else None
    # CSRFProtect has checked the token; a network place also needs the consent ticked.
    if request.method == "POST" and (consent_form is None or consent_form.validate()):
        services.accept(invitation, user)
        if consent_form is not None:
            consents.give(user, invitation)
        db.session.commit()
        flash(_("You have accepted the invitation."), "success")
        return redirect(_landing(invitation))
    return render_page(
        "auth/accept_invitation.html", form=None, consent_form=consent_form, invitation=invitation
    )


def _landing(invitation) -> str:
    if invitation.pair_id is not None:
        return url_for("pairs.overview", pair_id=invitation.pair_id)
    return url_for("pairs.home")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.language.data
        current_user.timezone = form.timezone.data
        current_user.email_preference = EmailPreference(form.email_preference.data)
        db.session.commit()
        session.pop("locale", None)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    if request.method == "GET":
        form.email_preference.data = current_user.email_preference.value
    return render_page(
        "auth/profile.html", form=form, password_form=ChangePasswordForm(user=current_user)
    )


@bp.post("/profile/password")
@login_required
def change_password():
    form = ChangePasswordForm(user=current_user)
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.current_password.data) is None:
            form.current_password.errors.append(_("This is not your current password."))
        else:
            services.set_password(current_user, form.password.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # this browser stays, with the new token
            flash(
                _("Your password has been changed. Your other sessions are signed out."), "success"
            )
            return redirect(url_for("auth.profile"))
    return render_page("auth/profile.html", form=ProfileForm(obj=current_user), password_form=form)


@bp.post("/language")
def set_language():
    code = request.form.get("language", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("pairs.home"))
