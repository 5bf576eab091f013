"""Discussion threads: pair threads and cluster threads, posts with revisions, moderation."""

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .pair import Cluster, Pair
from .user import User


class Thread(Base):
    """A discussion in one pair or one cluster (exactly one of the two).

    ``open_to_network`` lets the pair's support-network members see and reply; by default
    a thread is for the core team. ``last_post_id``/``last_post_at`` are kept with each post
    and ``change_count`` with each edit, delete or moderation, so lists sort, mark unread and
    answer "anything new?" from the thread row alone.
    """

    __tablename__ = "thread"
    __table_args__ = (
        CheckConstraint("(pair_id IS NULL) <> (cluster_id IS NULL)", name="pair_or_cluster"),
        Index("ix_thread_pair_listing", "pair_id", "pinned", "last_post_at", "id"),
        Index("ix_thread_cluster_listing", "cluster_id", "pinned", "last_post_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10), default="en")
    open_to_network: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_id: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    # Moved by every edit, delete and moderation in the thread, so the live poll's ETag
    # changes for them too (new posts move last_post_id).
    change_count: Mapped[int] = mapped_column(default=0, server_default="0")

    pair: Mapped[Pair | None] = relationship()
    cluster: Mapped[Cluster | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Thread {self.id}>"


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (Index("ix_post_thread_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_revision.id", use_alter=True, ondelete="SET NULL")
    )

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship()
    reply_to: Mapped["Post | None"] = relationship(remote_side=[id])
    current_revision: Mapped["PostRevision | None"] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )
    revisions: Mapped[list["PostRevision"]] = relationship(
        foreign_keys="PostRevision.post_id",
        back_populates="post",
        order_by="PostRevision.id",
        cascade="all, delete-orphan",
    )

    @property
    def body(self) -> str:
        return self.current_revision.body if self.current_revision else ""

    @property
    def body_html(self) -> str:
        return self.current_revision.body_html if self.current_revision else ""

    def __repr__(self) -> str:
        return f"<Post {self.id} in thread {self.thread_id}>"


class PostRevision(Base):
    """One version of a post's text, kept forever: the edit history."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(foreign_keys=[post_id], back_populates="revisions")
    author: Mapped[User | None] = relationship()


class PostMention(Base):
    __tablename__ = "post_mention"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="post_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship()


class SubscriptionState(enum.StrEnum):
    FOLLOW = "follow"  # replies notify
    MUTE = "mute"  # nothing notifies but mentions


class ThreadSubscription(Base):
    """A person's relation to a thread: follow or mute, and how far they have read."""

    __tablename__ = "thread_subscription"
    __table_args__ = (UniqueConstraint("user_id", "thread_id", name="user_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"), index=True)
    state: Mapped[SubscriptionState | None] = mapped_column(code_enum(SubscriptionState))
    last_read_post_id: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class ModerationKind(enum.StrEnum):
    PIN = "pin"
    UNPIN = "unpin"
    LOCK = "lock"
    UNLOCK = "unlock"
    HIDE = "hide"
    RESTORE = "restore"


class ModerationAction(Base):
    """The audit log of moderation: who did what to which thread or post, and why."""

    __tablename__ = "moderation_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[ModerationKind] = mapped_column(code_enum(ModerationKind))
    thread_id: Mapped[int] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    thread: Mapped[Thread] = relationship()
    post: Mapped[Post | None] = relationship()
