"""Benchmarks to read, and a pair's self-assessment against its theme's benchmark."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import db, policy
from ..htmx import render, wants_fragment
from ..models import MentoringTheme, Pair
from . import services
from .forms import RatingForm

bp = Blueprint("benchmarks", __name__)


def _language() -> str:
    return str(get_locale())


@bp.get("/benchmarks")
@login_required
def index():
    return render_template("benchmarks/index.html", themes=list(MentoringTheme))


@bp.get("/benchmarks/<theme>")
@login_required
def theme(theme: str):
    try:
        chosen = MentoringTheme(theme)
    except ValueError:
        abort(404)
    return render_template(
        "benchmarks/theme.html",
        theme=chosen,
        factors=services.key_factors(chosen),
        language=_language(),
    )


def _form(pair: Pair, factor_id: int, current, languages: list[str]) -> RatingForm:
    """The form of one key factor, filled with its current rating."""
    form = RatingForm(languages, formdata=None, prefix=f"f{factor_id}")
    if current is not None:
        form.rating.data = current.rating.value
        form.target.data = current.target.value
        form.priority.data = current.priority.value
        form.evidence.data = current.evidence
        form.language.data = current.language if current.language in languages else languages[0]
    else:
        form.priority.data = "medium"
        form.language.data = _language() if _language() in languages else languages[0]
    return form


def _page(pair: Pair, *, invalid: tuple[int, RatingForm] | None = None, message=None, saved=None):
    """The self-assessment page, or to htmx its ``assessment`` block."""
    language = _language()
    factors = services.key_factors(pair.mentoring_theme)
    ratings = services.ratings_by_factor(pair)
    current = {factor_id: rows[0] for factor_id, rows in ratings.items()}
    forms = {}
    if policy.can_assess(current_user, pair):
        languages = services.language_codes(pair)
        forms = {f.id: _form(pair, f.id, current.get(f.id), languages) for f in factors}
        if invalid is not None:
            forms[invalid[0]] = invalid[1]
    return render(
        "benchmarks/assessment.html",
        "assessment",
        pair=pair,
        factors=factors,
        ratings=ratings,
        forms=forms,
        chart=services.chart(pair, language, factors=factors, current=current),
        language=language,
        ratings_labels=services.RATINGS,
        priorities=services.PRIORITIES,
        message=message,
        saved=saved,  # the key factor just rated keeps its form open (and its focus)
        fragment=wants_fragment(),
    )


@bp.get("/pairs/<int:pair_id>/assessment")
@login_required
def assessment(pair_id: int):
    return _page(policy.pair_or_404(pair_id))


@bp.post("/pairs/<int:pair_id>/assessment/<int:key_factor_id>")
@login_required
def rate(pair_id: int, key_factor_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_assess)
    factor = services.key_factor_or_none(pair.mentoring_theme, key_factor_id)
    if factor is None:
        abort(404)
    form = RatingForm(services.language_codes(pair), prefix=f"f{factor.id}")
    if not form.validate():
        return _page(pair, invalid=(factor.id, form))
    title = factor.text(_language()).title
    current = services.current_ratings(pair).get(factor.id)
    entry = services.rate(pair, factor, current_user, current=current, title=title, **form.values())
    if entry is None:
        message = _("“%(title)s”: nothing changed.", title=title)
    else:
        message = _("“%(title)s” rated.", title=title)
        db.session.commit()
    if wants_fragment():
        return _page(pair, message=message, saved=factor.id)
    flash(message, "success" if entry else "info")
    url = url_for("benchmarks.assessment", pair_id=pair.id, _anchor=f"factor-{factor.id}")
    return redirect(url, code=303)
