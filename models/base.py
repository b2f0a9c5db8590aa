"""What every table shares: the constraint naming convention, UTC timestamps, ids and paging."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import DateTime, Dialect, Enum, MetaData
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

# Set before any table exists, so Alembic can name (and later drop) every constraint.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)

ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", max_length=5)]
TimeZoneName = Annotated[str, StringConstraints(max_length=64)]
DEFAULT_TIMEZONE = "Europe/London"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones and hands back naive values; without this, comparing a stored
    expiry with `now()` would raise on SQLite and work on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum: type[StrEnum]) -> Enum:
    """A string column holding an enum's values. Not a database enum type: adding a value
    later needs no ALTER TYPE, and SQLite and PostgreSQL store it the same way."""
    return Enum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass `next_cursor` back as `cursor` for the next; null is the end."""

    items: list[T] = Field(description="The items on this page, at most `limit` of them.")
    next_cursor: str | None = Field(
        default=None, description="Opaque cursor for the next page; null when this is the last."
    )
