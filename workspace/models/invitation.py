import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .membership import Role, Side
from .organisation import Organisation
from .pair import Cluster, Pair
from .user import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token for the e-mail link and the hash we keep of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


class Invitation(Base):
    """An e-mailed, expiring, single-use offer of a pair role, a cluster or admin rights."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    role: Mapped[Role | None] = mapped_column(code_enum(Role))
    side: Mapped[Side | None] = mapped_column(code_enum(Side))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"))
    as_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    pair: Mapped[Pair | None] = relationship()
    cluster: Mapped[Cluster | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def is_usable(self, now: datetime | None = None) -> bool:
        return self.accepted_at is None and (now or utcnow()) < self.expires_at
