"""Task lists and tasks of a pair, and who each task is assigned to."""

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .pair import Pair
from .user import User


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


task_assignee = Table(
    "task_assignee",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_task_assignee_user_id", "user_id"),
)


class TaskList(Base):
    """A named, ordered list of tasks in a pair.

    ``updated_at`` moves on any change to the list or to one of its tasks: the task page's
    live poll builds its ETag from it (see ``tasks.services.board_etag``).
    """

    __tablename__ = "task_list"
    __table_args__ = (Index("ix_task_list_pair_updated", "pair_id", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    # The list that follow-up tasks (from study visits) go to; one per pair.
    for_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair: Mapped[Pair] = relationship()
    tasks: Mapped[list["Task"]] = relationship(
        back_populates="task_list",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="[Task.position, Task.id]",
    )

    def touch(self) -> None:
        """Mark the list changed, for the live poll."""
        self.updated_at = utcnow()

    def __repr__(self) -> str:
        return f"<TaskList {self.id} of pair {self.pair_id}>"


class Task(Base):
    """One task; ``pair_id`` repeats the list's pair so "my work" needs no join."""

    __tablename__ = "task"
    # A list's tasks in their order, paged by keyset (position, id).
    __table_args__ = (Index("ix_task_list_position", "list_id", "position", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("task_list.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TaskStatus] = mapped_column(code_enum(TaskStatus), default=TaskStatus.OPEN)
    due_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task_list: Mapped[TaskList] = relationship(back_populates="tasks")
    pair: Mapped[Pair] = relationship()
    created_by: Mapped[User | None] = relationship()
    assignees: Mapped[list[User]] = relationship(secondary=task_assignee, order_by=User.name)

    @property
    def is_done(self) -> bool:
        return self.status is TaskStatus.DONE

    def is_overdue(self, today: date) -> bool:
        """Due before ``today`` (the reader's date, in their time zone) and not done."""
        return self.due_on is not None and self.due_on < today and not self.is_done

    def __repr__(self) -> str:
        return f"<Task {self.id} in list {self.list_id}>"
