import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, code_enum, utcnow
from .organisation import Organisation


class EmailPreference(enum.StrEnum):
    OFF = "off"
    IMMEDIATE = "immediate"
    DAILY = "daily"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    email_preference: Mapped[EmailPreference] = mapped_column(
        code_enum(EmailPreference),
        default=EmailPreference.OFF,  # quiet by default: people choose what reaches them
    )
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login cookie; replacing it ends every session of this user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the account is erased: the row stays, anonymised, so that posts and audit
    # entries keep pointing at "a former member" and never at a name.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login
    is_authenticated = True

    @property
    def is_active(self) -> bool:
        return self.erased_at is None

    is_anonymous = False

    @property
    def display_name(self):
        """The name to show others: "Former member" once the account is erased."""
        return lazy_gettext("Former member") if self.erased_at is not None else self.name

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email}>"
