"""Benchmarks, the glossary, and a pair's self-assessment."""

from flask import Blueprint, render_template
from flask_login import login_required

from .. import policy

bp = Blueprint("benchmarks", __name__)


@bp.get("/pairs/<int:pair_id>/assessment")
@login_required
def assessment(pair_id: int):
    pair = policy.pair_or_404(pair_id)
    return render_template("benchmarks/assessment.html", pair=pair)
