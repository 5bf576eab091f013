import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .organisation import Organisation
from .pair import Pair
from .user import User


class Role(enum.StrEnum):
    MENTOR = "mentor"  # official of the mentor city
    MENTEE = "mentee"  # official of the mentee city
    PARTNER = "partner"  # association staff, on either side
    NETWORK = "network"  # local support network member, on either side

    @property
    def is_core(self) -> bool:
        return self is not Role.NETWORK


class Side(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


def side_for(role: Role, side: Side | None) -> Side | None:
    """Mentors and mentees are on their own side; partners and network members choose."""
    if role is Role.MENTOR:
        return Side.MENTOR
    if role is Role.MENTEE:
        return Side.MENTEE
    return side


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "pair_id", name="user_pair"),
        CheckConstraint(
            "(role <> 'mentor' OR side = 'mentor') AND (role <> 'mentee' OR side = 'mentee')",
            name="side_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(code_enum(Role))
    side: Mapped[Side] = mapped_column(code_enum(Side))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    pair: Mapped[Pair] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Membership {self.user_id} {self.role} of pair {self.pair_id}>"
