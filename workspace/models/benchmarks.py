"""Benchmarks (key factors per mentoring theme) and each pair's self-assessment against them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .pair import MentoringTheme, Pair
from .user import User


class KeyFactor(Base):
    """One critical condition for success in a theme's benchmark.

    ``code`` is stable (``employment.skills_recognition``) so the content can be reloaded;
    the words live in ``KeyFactorText``, one row per language.
    """

    __tablename__ = "key_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[MentoringTheme] = mapped_column(code_enum(MentoringTheme), index=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    texts: Mapped[list["KeyFactorText"]] = relationship(
        back_populates="key_factor", cascade="all, delete-orphan"
    )

    def text(self, language: str) -> "KeyFactorText":
        """The words in ``language``, else English."""
        by_language = {t.language: t for t in self.texts}
        return by_language.get(language) or by_language["en"]

    def __repr__(self) -> str:
        return f"<KeyFactor {self.code}>"


class KeyFactorText(Base):
    __tablename__ = "key_factor_text"
    __table_args__ = (UniqueConstraint("key_factor_id", "language", name="factor_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_factor_id: Mapped[int] = mapped_column(ForeignKey("key_factor.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    why_how: Mapped[str] = mapped_column(Text)
    # One question per line.
    guiding_questions: Mapped[str] = mapped_column(Text, default="")

    key_factor: Mapped[KeyFactor] = relationship(back_populates="texts")

    @property
    def questions(self) -> list[str]:
        return [q for q in self.guiding_questions.splitlines() if q.strip()]


class Rating(enum.StrEnum):
    """How far a key factor is in place, in the order of the scale."""

    NOT_IN_PLACE = "not_in_place"
    EMERGING = "emerging"
    PARTLY = "partly"
    FULLY = "fully"
    NOT_APPLICABLE = "not_applicable"

    @property
    def score(self) -> int | None:
        """0–3 on the chart; None for not applicable."""
        return {"not_in_place": 0, "emerging": 1, "partly": 2, "fully": 3}.get(self.value)


class Priority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AssessmentRating(Base):
    """A pair's rating of one key factor. Append-only: the newest row per (pair, key factor)
    is the current rating, the earlier ones are its history."""

    __tablename__ = "assessment_rating"
    __table_args__ = (Index("ix_assessment_rating_current", "pair_id", "key_factor_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    key_factor_id: Mapped[int] = mapped_column(ForeignKey("key_factor.id", ondelete="CASCADE"))
    rating: Mapped[Rating] = mapped_column(code_enum(Rating))
    target: Mapped[Rating] = mapped_column(code_enum(Rating))
    priority: Mapped[Priority] = mapped_column(code_enum(Priority), default=Priority.MEDIUM)
    evidence: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="en")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair: Mapped[Pair] = relationship()
    key_factor: Mapped[KeyFactor] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_gap(self) -> bool:
        """Below its target (a gap an action should address)."""
        now, goal = self.rating.score, self.target.score
        return now is not None and goal is not None and now < goal


class GlossaryTerm(Base):
    """One integration term in one language; rows sharing ``concept`` translate each other."""

    __tablename__ = "glossary_term"
    __table_args__ = (UniqueConstraint("concept", "language", name="concept_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concept: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(10))
    term: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
