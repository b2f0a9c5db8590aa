"""Trust between residents: blocks (which hide two people entirely) and connections."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict
from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow


class ResidentRef(SQLModel):
    id: uuid.UUID
    display_name: str


class Block(SQLModel, table=True):
    """`blocker_id` never sees, is matched with, or is shown to `blocked_id`, either way.
    The blocked person is never told."""

    blocker_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    blocked_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BlockCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    resident_id: uuid.UUID = Field(description="The resident to block.")


class BlockPublic(SQLModel):
    resident_id: uuid.UUID
    display_name: str
    created_at: datetime


class ConnectionStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"
    expired = "expired"  # lapsed unanswered; marked so when the same person asks again
    ended = "ended"


class Connection(SQLModel, table=True):
    """An ask to connect, and, once accepted, the connection itself (mutual consent)."""

    # One pending ask per asker and person asked: a double-tapped "connect" makes one ask.
    __table_args__ = (
        Index(
            "uq_connection_pending_pair",
            "requester_id",
            "addressee_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    requester_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    addressee_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    status: ConnectionStatus = Field(
        default=ConnectionStatus.pending, sa_type=enum_column(ConnectionStatus)
    )
    message: str = Field(default="", max_length=280)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the person asked said no. Kept through a later withdrawal, and copied onto asks
    # made during the quiet period (which never reach them), so the 90 days cannot be
    # sidestepped and the asker sees nothing a plain unanswered ask would not show.
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConnectionCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    resident_id: uuid.UUID = Field(description="Who you would like to connect with.")
    message: str = Field(default="", max_length=280, description="Optional: how you know them.")


class ConnectionKind(StrEnum):
    incoming = "incoming"
    outgoing = "outgoing"
    connected = "connected"


class ConnectionPublic(SQLModel):
    id: uuid.UUID
    other: ResidentRef
    direction: Literal["incoming", "outgoing"] = Field(description="Who asked: them or you.")
    status: Literal["pending", "accepted"] = Field(
        description="Asks you made stay `pending` until they lapse: you are never told of a "
        "decline."
    )
    message: str
    created_at: datetime
    expires_at: datetime | None = Field(description="When a pending ask lapses.")
