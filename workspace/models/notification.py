import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .pair import Pair
from .user import User


class NotificationKind(enum.StrEnum):
    MENTION = "mention"
    REPLY = "reply"  # a reply in a thread the recipient follows
    TASK_ASSIGNED = "task_assigned"
    EVENT_CHANGED = "event_changed"  # an event the recipient attends
    MODERATION = "moderation"  # the recipient's post or thread was moderated
    PLAN_STATUS = "plan_status"  # a plan of the recipient's pair moved through review
    PLAN_COMMENT = "plan_comment"  # a comment on a section the recipient wrote or commented on


class Notification(Base):
    """Something a person should know about; read in the workspace, maybe also mailed.

    ``subject_type``/``subject_id`` name what it is about, ``url`` where to look (a path),
    ``title`` a snapshot for the list and the mail, ``detail`` e.g. a moderation reason.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(code_enum(NotificationKind))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    url: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    pair: Mapped[Pair | None] = relationship()
