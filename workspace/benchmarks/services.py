"""Key factors, a pair's ratings, and the chart of current against target.

The plan coverage view and the plan export use ``key_factors``, ``current_ratings`` and
``chart``; each runs a fixed number of queries however many ratings a pair has.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import activity, db
from ..models import (
    ActivityKind,
    AssessmentRating,
    KeyFactor,
    MentoringTheme,
    Pair,
    Priority,
    Rating,
    User,
)

RATINGS = {
    Rating.NOT_IN_PLACE: _l("Not in place"),
    Rating.EMERGING: _l("Emerging"),
    Rating.PARTLY: _l("Partly in place"),
    Rating.FULLY: _l("Fully in place"),
    Rating.NOT_APPLICABLE: _l("Not applicable"),
}
PRIORITIES = {
    Priority.LOW: _l("Low priority"),
    Priority.MEDIUM: _l("Medium priority"),
    Priority.HIGH: _l("High priority"),
}
# The scale on the chart, left to right (not applicable has no place on it).
SCALE = (Rating.NOT_IN_PLACE, Rating.EMERGING, Rating.PARTLY, Rating.FULLY)


def key_factors(theme: MentoringTheme) -> list[KeyFactor]:
    """The theme's key factors in order, with their texts in every language."""
    query = (
        select(KeyFactor)
        .where(KeyFactor.theme == theme)
        .options(selectinload(KeyFactor.texts))
        .order_by(KeyFactor.position, KeyFactor.id)
    )
    return list(db.session.scalars(query))


def key_factor_or_none(theme: MentoringTheme, key_factor_id: int) -> KeyFactor | None:
    query = (
        select(KeyFactor)
        .where(KeyFactor.id == key_factor_id, KeyFactor.theme == theme)
        .options(selectinload(KeyFactor.texts))
    )
    return db.session.scalar(query)


def current_ratings(pair: Pair) -> dict[int, AssessmentRating]:
    """The newest rating of each key factor the pair has rated, by key factor id (one query)."""
    newest = (
        select(func.max(AssessmentRating.id))
        .where(AssessmentRating.pair_id == pair.id)
        .group_by(AssessmentRating.key_factor_id)
    )
    query = (
        select(AssessmentRating)
        .where(AssessmentRating.id.in_(newest))
        .options(joinedload(AssessmentRating.author))
    )
    return {r.key_factor_id: r for r in db.session.scalars(query)}


def ratings_by_factor(pair: Pair) -> dict[int, list[AssessmentRating]]:
    """Every rating of the pair, newest first, by key factor id (one query): the first of
    each list is the current rating, the rest its history."""
    query = (
        select(AssessmentRating)
        .where(AssessmentRating.pair_id == pair.id)
        .options(joinedload(AssessmentRating.author))
        .order_by(AssessmentRating.id.desc())
    )
    found = defaultdict(list)
    for rating in db.session.scalars(query):
        found[rating.key_factor_id].append(rating)
    return dict(found)


def language_codes(pair: Pair) -> list[str]:
    """The languages evidence may be written in: the pair's working languages, then the UI's."""
    codes = list(pair.working_languages)
    return codes + [c for c in current_app.config["LANGUAGES"] if c not in codes]


def rate(
    pair: Pair,
    key_factor: KeyFactor,
    author: User,
    *,
    rating: Rating,
    target: Rating,
    priority: Priority,
    evidence: str,
    language: str,
    current: AssessmentRating | None,
    title: str,
) -> AssessmentRating | None:
    """Record a new rating of ``key_factor``, unless it says what ``current`` says already
    (then None). The activity entry is written in the same transaction; the caller commits."""
    evidence = evidence.strip()
    if current is not None and (
        current.rating,
        current.target,
        current.priority,
        current.evidence,
        current.language,
    ) == (rating, target, priority, evidence, language):
        return None
    entry = AssessmentRating(
        pair_id=pair.id,
        key_factor_id=key_factor.id,
        rating=rating,
        target=target,
        priority=priority,
        evidence=evidence,
        language=language,
        author_id=author.id,
    )
    db.session.add(entry)
    db.session.flush()
    activity.record(
        pair, ActivityKind.ASSESSMENT_UPDATED, author, "assessment", key_factor.id, title
    )
    return entry


# The chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRow:
    key_factor_id: int
    code: str
    title: str
    language: str  # of the title (English when the reader's language is missing)
    rating: Rating | None  # None: not rated yet
    target: Rating | None
    priority: Priority | None

    @property
    def current_score(self) -> int | None:
        return self.rating.score if self.rating is not None else None

    @property
    def target_score(self) -> int | None:
        return self.target.score if self.target is not None else None

    @property
    def is_gap(self) -> bool:
        now, goal = self.current_score, self.target_score
        return now is not None and goal is not None and now < goal


@dataclass(frozen=True)
class Chart:
    """What the chart and its table show: one row per key factor of the pair's theme."""

    theme: MentoringTheme
    rows: list[ChartRow]
    scale: tuple[Rating, ...] = SCALE
    ratings: dict = field(default_factory=lambda: RATINGS)  # translated names of the scale
    priorities: dict = field(default_factory=lambda: PRIORITIES)


def chart(
    pair: Pair,
    language: str,
    *,
    factors: list[KeyFactor] | None = None,
    current: dict[int, AssessmentRating] | None = None,
) -> Chart:
    """The data of the chart of current against target, titles in ``language`` (else English).
    Pass ``factors`` and ``current`` when the caller has loaded them already."""
    factors = key_factors(pair.mentoring_theme) if factors is None else factors
    current = current_ratings(pair) if current is None else current
    rows = []
    for factor in factors:
        text = factor.text(language)
        rated = current.get(factor.id)
        rows.append(
            ChartRow(
                key_factor_id=factor.id,
                code=factor.code,
                title=text.title,
                language=text.language,
                rating=rated.rating if rated else None,
                target=rated.target if rated else None,
                priority=rated.priority if rated else None,
            )
        )
    return Chart(theme=pair.mentoring_theme, rows=rows)
