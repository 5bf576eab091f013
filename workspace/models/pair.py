import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CodeList, UTCDateTime, code_enum, utcnow
from .organisation import Organisation


class Theme(enum.StrEnum):
    """The four themes of the programme."""

    EDUCATION = "education"
    HOUSING = "housing"
    BASIC_SERVICES = "basic_services"
    PARTICIPATION = "participation"


class MentoringTheme(enum.StrEnum):
    """What a pair works on; each has its own benchmark."""

    NEEDS_ASSESSMENT = "needs_assessment"
    CITY_FOR_ALL = "city_for_all"
    EMPLOYMENT = "employment"
    LANGUAGE_LEARNING = "language_learning"


class PairStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"


cluster_consultant = Table(
    "cluster_consultant",
    Base.metadata,
    Column("cluster_id", ForeignKey("cluster.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Cluster(Base):
    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    pairs: Mapped[list["Pair"]] = relationship(back_populates="cluster", order_by="Pair.id")
    consultants: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary=cluster_consultant, order_by="User.name"
    )


class Pair(Base):
    __tablename__ = "pair"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_city_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    mentee_city_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    mentor_association_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    mentee_association_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("cluster.id", ondelete="SET NULL"), index=True
    )
    mentoring_theme: Mapped[MentoringTheme] = mapped_column(code_enum(MentoringTheme))
    themes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    focus: Mapped[str] = mapped_column(Text, default="")
    focus_language: Mapped[str] = mapped_column(String(10), default="en")
    working_languages: Mapped[list[str]] = mapped_column(CodeList, default=list)
    status: Mapped[PairStatus] = mapped_column(
        code_enum(PairStatus),
        default=PairStatus.PLANNED,
    )
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor_city: Mapped[Organisation] = relationship(foreign_keys=[mentor_city_id])
    mentee_city: Mapped[Organisation] = relationship(foreign_keys=[mentee_city_id])
    mentor_association: Mapped[Organisation | None] = relationship(
        foreign_keys=[mentor_association_id]
    )
    mentee_association: Mapped[Organisation | None] = relationship(
        foreign_keys=[mentee_association_id]
    )
    cluster: Mapped[Cluster | None] = relationship(back_populates="pairs")
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="pair", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        return f"{self.mentor_city.name} – {self.mentee_city.name}"

    def __repr__(self) -> str:
        return f"<Pair {self.id}>"
