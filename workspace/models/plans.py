"""Action plans: sections whose texts (source and translations) keep every revision, structured
actions, comments anchored to revisions, and the review workflow's log."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .benchmarks import KeyFactor
from .organisation import Organisation
from .pair import Pair
from .user import User


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    ADOPTED = "adopted"


class Plan(Base):
    """A pair's action plan. ``language`` is the source language its sections are written in;
    the pair's other working languages get translations. ``version`` counts the plans started
    from an adopted one (``previous_id``). ``updated_at`` moves with any change, for polls."""

    __tablename__ = "plan"
    __table_args__ = (Index("ix_plan_pair_id", "pair_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[PlanStatus] = mapped_column(code_enum(PlanStatus), default=PlanStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair: Mapped[Pair] = relationship()
    previous: Mapped["Plan | None"] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship()
    sections: Mapped[list["PlanSection"]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="[PlanSection.position, PlanSection.id]",
    )

    def touch(self) -> None:
        self.updated_at = utcnow()

    def __repr__(self) -> str:
        return f"<Plan {self.id} of pair {self.pair_id}>"


class SectionKind(enum.StrEnum):
    """The default outline of the method (DESIGN §5), in order; ``custom`` for added ones."""

    CONTEXT = "context"
    ASSESSMENT = "assessment"
    VISION = "vision"
    ACTIONS = "actions"
    NETWORK = "network"
    RESOURCES = "resources"
    MONITORING = "monitoring"
    RISKS = "risks"
    CUSTOM = "custom"


class PlanSection(Base):
    __tablename__ = "plan_section"
    __table_args__ = (Index("ix_plan_section_plan_id", "plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    kind: Mapped[SectionKind] = mapped_column(code_enum(SectionKind))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="sections")
    texts: Mapped[list["SectionText"]] = relationship(
        back_populates="section", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<PlanSection {self.id} of plan {self.plan_id}>"


class SectionText(Base):
    """A section in one language: the source (the plan's language) or a translation.

    ``current_revision_id`` is the head of the revision chain. A save replaces it only if it
    still is the revision the editor started from (compare-and-set in one UPDATE), so two
    writers can never both win; the loser merges or gets a conflict."""

    __tablename__ = "section_text"
    __table_args__ = (UniqueConstraint("section_id", "language", name="section_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("section_revision.id", use_alter=True, ondelete="SET NULL")
    )

    section: Mapped[PlanSection] = relationship(back_populates="texts")
    current_revision: Mapped["SectionRevision | None"] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )


class RevisionOrigin(enum.StrEnum):
    CREATED = "created"  # the first, empty or copied text
    EDIT = "edit"
    MERGE = "merge"  # an edit merged three-way with one saved in between
    RESOLVE = "resolve"  # an edit after resolving a conflict
    RESTORE = "restore"  # an earlier revision brought back


class SectionRevision(Base):
    """One version of a section text, kept forever. ``parent_id`` is the revision it was
    made from; a translation's ``source_revision_id`` is the source revision it translates."""

    __tablename__ = "section_revision"
    __table_args__ = (Index("ix_section_revision_text_id", "text_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("section_text.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("section_revision.id", ondelete="SET NULL")
    )
    source_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("section_revision.id", ondelete="SET NULL")
    )
    origin: Mapped[RevisionOrigin] = mapped_column(
        code_enum(RevisionOrigin), default=RevisionOrigin.EDIT
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    text: Mapped[SectionText] = relationship(foreign_keys=[text_id])
    parent: Mapped["SectionRevision | None"] = relationship(
        foreign_keys=[parent_id], remote_side=[id]
    )
    source_revision: Mapped["SectionRevision | None"] = relationship(
        foreign_keys=[source_revision_id], remote_side=[id]
    )
    author: Mapped[User | None] = relationship()


class SectionPresence(Base):
    """Who has a section's editor open: refreshed by the editor's heartbeat, removed when
    they leave; rows older than the heartbeat window count as gone."""

    __tablename__ = "section_presence"
    __table_args__ = (UniqueConstraint("section_id", "user_id", name="section_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


plan_action_key_factor = Table(
    "plan_action_key_factor",
    Base.metadata,
    Column("action_id", ForeignKey("plan_action.id", ondelete="CASCADE"), primary_key=True),
    Column("key_factor_id", ForeignKey("key_factor.id", ondelete="CASCADE"), primary_key=True),
)


class PlanAction(Base):
    """One structured row of the plan's actions, written in the plan's language."""

    __tablename__ = "plan_action"
    __table_args__ = (Index("ix_plan_action_plan_id", "plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    partners: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    resources: Mapped[str] = mapped_column(Text, default="")
    indicators: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ActionStatus] = mapped_column(
        code_enum(ActionStatus), default=ActionStatus.PLANNED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
    lead_organisation: Mapped[Organisation | None] = relationship()
    key_factors: Mapped[list[KeyFactor]] = relationship(
        secondary=plan_action_key_factor, order_by=KeyFactor.position
    )


class SectionComment(Base):
    """A comment on a section, anchored to the source revision it was made on; replies point
    to their top-level comment (``parent_id``), which alone is resolved or reopened."""

    __tablename__ = "section_comment"
    __table_args__ = (Index("ix_section_comment_section_id", "section_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id", ondelete="CASCADE"))
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("section_revision.id", ondelete="SET NULL")
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("section_comment.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(10), default="en")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    section: Mapped[PlanSection] = relationship()
    revision: Mapped[SectionRevision | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    replies: Mapped[list["SectionComment"]] = relationship(
        order_by="SectionComment.id", passive_deletes=True
    )

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class PlanReviewStep(Base):
    """The review workflow's log: each status change, who made it, and their note."""

    __tablename__ = "plan_review_step"
    __table_args__ = (Index("ix_plan_review_step_plan_id", "plan_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    from_status: Mapped[PlanStatus] = mapped_column(code_enum(PlanStatus))
    to_status: Mapped[PlanStatus] = mapped_column(code_enum(PlanStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
