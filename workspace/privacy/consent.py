"""Consent of support-network members: given when accepting an invitation, withdrawn as easily.

Consent is the legal basis for a network member to be in a pair, so withdrawing it ends
that membership in the same unit of work, and both are written to the audit log.
"""

from flask import abort, flash, request, url_for
from flask import render_template as render_page
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, db, policy
from ..htmx import navigate
from ..models import AuditAction, Consent, Membership, Pair, Role, utcnow
from . import bp
from .notices import PRIVACY_NOTICE_VERSION


def needs_consent(invitation) -> bool:
    """Only a place in a pair's support network rests on the invitee's consent."""
    return invitation.pair_id is not None and invitation.role is Role.NETWORK


def give(user, invitation) -> Consent:
    """Record the consent given on accepting ``invitation``: who, when, which notice, in
    which language the page was read."""
    locale = str(get_locale() or "en")
    consent = Consent(
        user=user,
        pair_id=invitation.pair_id,
        notice_version=PRIVACY_NOTICE_VERSION,
        locale=locale,
    )
    db.session.add(consent)
    audit.record(
        AuditAction.CONSENT_GIVEN,
        actor=user,
        subject_user=user,
        pair=invitation.pair,
        detail=f"notice {PRIVACY_NOTICE_VERSION}, language {locale}",
    )
    return consent


def withdraw(consent: Consent) -> Membership | None:
    """Withdraw ``consent`` and end the network membership it allowed; return that
    membership (now deleted), or None when there was none left."""
    consent.withdrawn_at = utcnow()
    membership = None
    if consent.pair_id is not None:
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == consent.user_id,
                Membership.pair_id == consent.pair_id,
                Membership.role == Role.NETWORK,
            )
        )
    if membership is not None:
        db.session.delete(membership)
        audit.record(
            AuditAction.MEMBERSHIP_REMOVED,
            subject_user=consent.user,
            pair=consent.pair,
            detail="network membership ended: consent withdrawn",
        )
    audit.record(
        AuditAction.CONSENT_WITHDRAWN,
        subject_user=consent.user,
        pair=consent.pair,
        detail=f"notice {consent.notice_version}",
    )
    return membership


class WithdrawForm(FlaskForm):
    """Nothing to fill in: the CSRF token and the confirming click."""


def _own_consent_or_404(consent_id: int) -> Consent:
    consent = db.session.scalar(
        select(Consent)
        .where(Consent.id == consent_id)
        .options(
            joinedload(Consent.pair).joinedload(Pair.mentor_city),
            joinedload(Consent.pair).joinedload(Pair.mentee_city),
        )
    )
    if consent is None or not policy.can_see_consent(current_user, consent):
        abort(404)
    return consent


@bp.get("/privacy/consents")
@login_required
def consents():
    rows = db.session.scalars(
        select(Consent)
        .where(Consent.user_id == current_user.id)
        .options(
            joinedload(Consent.pair).joinedload(Pair.mentor_city),
            joinedload(Consent.pair).joinedload(Pair.mentee_city),
        )
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    )
    return render_page(
        "privacy/consents.html", consents=list(rows), erase_url=url_for("privacy.erase_account")
    )


@bp.route("/privacy/consents/<int:consent_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_consent(consent_id: int):
    consent = _own_consent_or_404(consent_id)
    if not policy.can_withdraw_consent(current_user, consent):
        flash(_("You have already withdrawn this consent."), "info")
        return navigate(url_for("privacy.consents"))
    form = WithdrawForm()
    if request.method == "POST" and form.validate_on_submit():
        pair_name = consent.pair.name if consent.pair else None
        membership = withdraw(consent)
        db.session.commit()
        if membership is not None:
            flash(
                _(
                    "You have withdrawn your consent and left the pair %(pair)s. Its members no "
                    "longer see your profile, and you no longer see the pair.",
                    pair=pair_name,
                ),
                "success",
            )
        else:
            flash(_("You have withdrawn your consent."), "success")
        return navigate(url_for("privacy.consents"))
    return render_page("privacy/withdraw_consent.html", consent=consent, form=form)
