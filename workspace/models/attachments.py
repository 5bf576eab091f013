"""Files attached to thread posts and timeline events.

The bytes live in ``instance/uploads/<stored_name>``, under a random name that owes nothing
to what the uploader called the file; ``filename`` is that original name, sanitised, used
only as the name offered on download. ``content_type`` is the type sniffed from the content.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .threads import Post
from .timeline import Event
from .user import User

FILENAME_MAX = 150


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("(post_id IS NULL) <> (event_id IS NULL)", name="post_or_event"),
        Index("ix_attachment_post_id", "post_id", "id"),
        Index("ix_attachment_event_id", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The backrefs give Post.attachments and Event.attachments without touching those models.
    post: Mapped[Post | None] = relationship(
        backref=backref(
            "attachments", order_by="Attachment.id", passive_deletes=True, cascade="all"
        )
    )
    event: Mapped[Event | None] = relationship(
        backref=backref(
            "attachments", order_by="Attachment.id", passive_deletes=True, cascade="all"
        )
    )
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.content_type}>"
