from flask import Blueprint, abort, flash, redirect, url_for
from flask import render_template as render_page
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import db, policy
from ..auth import services as accounts
from ..htmx import render, wants_fragment
from ..page_cache import cached_page
from . import services
from .forms import InviteForm, parse_position

bp = Blueprint("pairs", __name__)


@bp.get("/")
@cached_page
@login_required
def home():
    return render_page("pairs/home.html", rows=services.pairs_of(current_user))


@bp.get("/pairs/<int:pair_id>")
@cached_page
@login_required
def overview(pair_id: int):
    # Loaded with everything it shows first and held, so the access check finds it in the
    # session (which keeps objects only while they are referenced) instead of loading it again.
    _shown = services.pair_with_people(pair_id)
    pair = policy.pair_or_404(pair_id)
    return render_page(
        "pairs/overview.html",
        pair=pair,
        members=services.members_by_side(pair),
        standing=policy.standing(current_user, pair),
    )


@bp.route("/pairs/<int:pair_id>/invite", methods=["GET", "POST"])
@login_required
def invite(pair_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_invite)
    form = InviteForm(positions=policy.invitable(current_user, pair))
    if not form.is_submitted():
        form.language.data = str(get_locale())
    sent_to = None
    if form.validate_on_submit():
        role, side = parse_position(form.position.data)
        if not policy.can_invite(current_user, pair, role, side):
            abort(403)
        invitation = accounts.invite(
            form.email.data,
            invited_by=current_user,
            locale=form.language.data,
            pair=pair,
            role=role,
            side=side,
            organisation_id=form.organisation_id,
        )
        db.session.commit()
        sent_to = invitation.email
        if not wants_fragment():
            flash(_("Invitation sent to %(email)s.", email=sent_to), "success")
            return redirect(url_for("pairs.invite", pair_id=pair.id), code=303)
        form = InviteForm(positions=policy.invitable(current_user, pair), formdata=None)
        form.language.data = str(get_locale())
    return render(
        "pairs/invite.html",
        "invite_panel",
        pair=pair,
        form=form,
        sent_to=sent_to,
        pending=services.pending_invitations(pair),
    )
