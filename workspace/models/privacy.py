"""The audit log and recorded consent: what the programme must be able to show later."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .pair import Pair
from .user import User


class AuditAction(enum.StrEnum):
    MODERATION = "moderation"
    MEMBERSHIP_ADDED = "membership_added"
    MEMBERSHIP_CHANGED = "membership_changed"
    MEMBERSHIP_REMOVED = "membership_removed"
    ADMIN_GRANTED = "admin_granted"
    ADMIN_REVOKED = "admin_revoked"
    CONSULTANT_ADDED = "consultant_added"
    CONSULTANT_REMOVED = "consultant_removed"
    INVITATION_SENT = "invitation_sent"
    INVITATION_ACCEPTED = "invitation_accepted"
    INVITATION_REVOKED = "invitation_revoked"
    DATA_EXPORTED = "data_exported"
    ACCOUNT_ERASED = "account_erased"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"


class AuditEntry(Base):
    """One security-relevant event. Append-only: nothing in the application updates it.

    People are kept by id: after an erasure the ids point at the anonymised account,
    so the entry stays meaningful without naming anyone.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_action_id", "action", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[AuditAction] = mapped_column(code_enum(AuditAction))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pair.id", ondelete="SET NULL"), index=True
    )
    # Short, non-personal facts ("role: mentee → partner", "hide post 12"); never free text
    # typed by a user other than a moderation reason, and never a password, token or e-mail.
    detail: Mapped[str] = mapped_column(String(500), default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])
    pair: Mapped[Pair | None] = relationship()


class Consent(Base):
    """A support-network member's consent to be in the workspace, as given and withdrawn."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pair.id", ondelete="SET NULL"))
    notice_version: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(10))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    pair: Mapped[Pair | None] = relationship()
