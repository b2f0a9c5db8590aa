"""Alerts: when a request opens, Kith asks a few helpers at a time (a wave), widening over
time until enough have said yes, and then tells the rest they can stand down."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow


class RequestAlerting(SQLModel, table=True):
    """Where a request's waves stand. `next_wave_at` null: nothing more is due (enough said
    yes, or the waves ran out and the connector queue has it)."""

    __tablename__ = "request_alerting"

    request_id: uuid.UUID = Field(
        foreign_key="help_request.id", primary_key=True, ondelete="CASCADE"
    )
    waves_sent: int = Field(default=0)
    next_wave_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    crisis: bool = Field(default=False, description="Sent at the crisis pace.")
    first_yes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stood_down_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AlertAnswer(StrEnum):
    yes = "yes"
    no = "no"


class Alert(SQLModel, table=True):
    """One helper asked, once, about one request."""

    __table_args__ = (
        UniqueConstraint("request_id", "helper_id"),
        # A helper's alerts in the last day (their cap) and week (rotation), on every wave.
        Index("ix_alert_helper_sent", "helper_id", "sent_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="help_request.id", index=True, ondelete="CASCADE")
    helper_id: uuid.UUID = Field(foreign_key="resident.id", ondelete="CASCADE")
    wave: int = Field(description="1 for the first wave.")
    along_tie: bool = Field(default=False, description="The requester knows this helper.")
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answer: AlertAnswer | None = Field(default=None, sa_type=enum_column(AlertAnswer))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stood_down_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AlertPublic(SQLModel):
    """An alert as its helper sees it. To say yes, volunteer on the request
    (`POST /v1/requests/{request_id}/matches`); to say no, decline the alert."""

    id: uuid.UUID
    request_id: uuid.UUID
    request_title: str = Field(description="What the help is for.")
    urgent: bool
    sent_at: datetime
    answer: AlertAnswer | None = Field(description="Null: not answered (yet).")
    stood_down: bool = Field(description="Enough neighbours said yes: nothing more to do.")
