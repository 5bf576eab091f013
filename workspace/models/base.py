"""Declarative base, shared column types and naming conventions for constraints."""

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class CodeList(TypeDecorator):
    """A short ordered list of codes (languages, themes) kept in one text column."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else ",".join(value)

    def process_result_value(self, value, dialect):
        return [] if not value else value.split(",")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def code_enum(enum_class: type[enum.Enum]) -> Enum:
    """An enum stored as its lower-case value in a VARCHAR, checked on both sides."""
    return Enum(
        enum_class,
        native_enum=False,
        length=30,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
