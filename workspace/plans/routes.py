"""The plans of a pair, one plan, and its sections."""

from flask import render_template
from flask_login import login_required
from sqlalchemy import select

from .. import db, policy
from ..models import Plan
from . import bp


@bp.get("/pairs/<int:pair_id>/plans")
@login_required
def index(pair_id: int):
    pair = policy.pair_or_404(pair_id)
    plans = db.session.scalars(
        select(Plan).where(Plan.pair_id == pair.id).order_by(Plan.id.desc())
    ).all()
    return render_template("plans/index.html", pair=pair, plans=plans)
