"""Vouches: a resident saying "I know this person in person", with the history kept."""

import uuid
from datetime import datetime

from pydantic import ConfigDict
from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, new_id, utcnow
from models.trust import ResidentRef


class Vouch(SQLModel, table=True):
    # One live vouch per pair; revoked ones stay as history, so the index is partial.
    __table_args__ = (
        Index(
            "uq_vouch_live_pair",
            "voucher_id",
            "vouchee_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    voucher_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    vouchee_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    # Recorded when given: the vouch of someone who was a connector then counts more.
    by_connector: bool = Field(default=False)
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class VouchCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    resident_id: uuid.UUID = Field(description="Someone you know in person.")
    note: str = Field(
        default="",
        max_length=500,
        description="Optional: how you know them. Only community connectors ever read it.",
    )


class VouchPublic(SQLModel):
    """A vouch as its author sees it."""

    id: uuid.UUID
    resident: ResidentRef = Field(description="Whom you vouched for.")
    by_connector: bool = Field(description="Given while you were a community connector.")
    note: str
    created_at: datetime


class VouchRecord(SQLModel):
    """A vouch as a connector sees it when reviewing a resident: revoked ones included."""

    id: uuid.UUID
    voucher: ResidentRef
    by_connector: bool
    note: str
    created_at: datetime
    revoked_at: datetime | None
