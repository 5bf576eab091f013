import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .pair import Pair
from .user import User


class ActivityKind(enum.StrEnum):
    THREAD_STARTED = "thread_started"
    POST_REPLIED = "post_replied"
    TASK_CREATED = "task_created"
    TASK_ASSIGNED = "task_assigned"
    TASK_DONE = "task_done"
    EVENT_CREATED = "event_created"
    EVENT_CHANGED = "event_changed"
    MEMBER_JOINED = "member_joined"
    PLAN_CREATED = "plan_created"
    PLAN_REVISED = "plan_revised"  # a section (or its translation) saved
    PLAN_STATUS_CHANGED = "plan_status_changed"
    ASSESSMENT_UPDATED = "assessment_updated"


class Activity(Base):
    """One entry of a pair's automatic activity stream, written with the change it records.

    ``subject_type``/``subject_id`` name what changed (a thread, a task, an event …) so the
    timeline can link to it; ``title`` is a snapshot for display; ``core_only`` hides the
    entry from support-network members when what it records is core-team only.
    """

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_pair_newest", "pair_id", "id"),
        # The timeline walks a pair's stream newest first and seeks to its keyset here.
        Index("ix_activity_pair_created", "pair_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    kind: Mapped[ActivityKind] = mapped_column(code_enum(ActivityKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300), default="")
    core_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair: Mapped[Pair] = relationship()
    actor: Mapped[User | None] = relationship()
