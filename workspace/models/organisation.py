import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, code_enum


class OrganisationKind(enum.StrEnum):
    CITY = "city"
    ASSOCIATION = "association"  # a national association of local governments
    CONSULTANCY = "consultancy"
    COORDINATOR = "coordinator"
    SUPPORT = "support"  # a local support organisation: NGO, migrant association, union …


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(code_enum(OrganisationKind))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"
