"""The pair timeline: scheduled events (study visits among them), who takes part, and the
secret tokens behind the calendar feeds."""

import enum
import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, UTCDateTime, code_enum, utcnow
from .membership import Side
from .organisation import Organisation
from .pair import Pair
from .user import User


class EventKind(enum.StrEnum):
    STUDY_VISIT_ONSITE = "study_visit_onsite"
    STUDY_VISIT_VIRTUAL = "study_visit_virtual"
    WORKSHOP = "workshop"
    TRAINING = "training"
    MEETING = "meeting"
    DEADLINE = "deadline"

    @property
    def is_study_visit(self) -> bool:
        return self in (EventKind.STUDY_VISIT_ONSITE, EventKind.STUDY_VISIT_VIRTUAL)


# Follow-up tasks made from an event (a study visit); the tasks table knows nothing of events.
event_follow_up = Table(
    "event_follow_up",
    Base.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def is_web_url(value: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class Event(Base):
    """Something scheduled in a pair: held in ``timezone``, stored in UTC.

    ``description`` and the study-visit texts are plain text (Markdown is shown as written).
    ``updated_at`` changes with every edit; the timeline's poll compares it.
    """

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_pair_starts", "pair_id", "starts_at", "id"),
        Index("ix_event_pair_updated", "pair_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(code_enum(EventKind))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="en")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Study visits
    agenda: Mapped[str] = mapped_column(Text, default="")
    what_was_seen: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str] = mapped_column(Text, default="")

    pair: Mapped[Pair] = relationship()
    created_by: Mapped[User | None] = relationship()
    participants: Mapped[list["EventParticipant"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventParticipant.id"
    )
    follow_up_tasks: Mapped[list["Task"]] = relationship(  # noqa: F821
        secondary=event_follow_up, order_by="Task.id"
    )

    @validates("online_url")
    def _check_url(self, _key, value):
        if value and not is_web_url(value):
            raise ValueError("online_url must be an http(s) URL")
        return value or ""

    @property
    def is_study_visit(self) -> bool:
        return self.kind.is_study_visit

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind}>"


class EventParticipant(Base):
    """A person (a user) or an organisation taking part in an event, on one side."""

    __tablename__ = "event_participant"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="event_user"),
        UniqueConstraint("event_id", "organisation_id", name="event_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    side: Mapped[Side] = mapped_column(code_enum(Side))

    event: Mapped[Event] = relationship(back_populates="participants")
    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeedToken(Base):
    """The secret in a user's calendar-feed URLs; only its hash is kept.

    The token is derived from the app's secret key and ``salt`` (see timeline.services), so
    the owner's page can show the URL again while the database alone cannot rebuild it. A new
    salt makes a new token: the old URLs stop working.
    """

    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    salt: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
