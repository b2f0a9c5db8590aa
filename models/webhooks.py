"""Webhooks for integrators: endpoints that subscribe to event types, and the outbox of
deliveries to them (written in the same transaction as the change they announce)."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow


class WebhookEventType(StrEnum):
    request_created = "request.created"
    match_proposed = "match.proposed"
    match_confirmed = "match.confirmed"
    match_completed = "match.completed"
    event_created = "event.created"
    event_cancelled = "event.cancelled"
    report_created = "report.created"
    notification_created = "notification.created"


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    url: str = Field(max_length=500)
    event_types: list[str] = Field(default_factory=list, sa_type=JSON)
    description: str = Field(default="", max_length=200)
    # The signing secret ("whsec_..."). Kept, since signing needs it; shown once, on creation.
    secret: str = Field(max_length=100)
    created_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str = Field(default="", max_length=200)


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # gave up after about a day, or the endpoint answered 410


class WebhookDelivery(SQLModel, table=True):
    """One message to one endpoint. Its id is the `webhook-id` on every attempt, so a
    receiver can drop repeats; a worker leases it while sending, and a worker that dies
    leaves the lease to run out and the message to be sent again."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    endpoint_id: uuid.UUID = Field(
        foreign_key="webhook_endpoint.id", index=True, ondelete="CASCADE"
    )
    event_type: str = Field(max_length=40)
    payload: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending, sa_type=enum_column(DeliveryStatus)
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str = Field(default="", max_length=300)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    url: str = Field(
        min_length=8,
        max_length=500,
        description="https (plain http only for hosts the operator allows). Addresses that "
        "resolve to loopback, private, link-local or metadata networks are refused.",
    )
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=200)


class WebhookPublic(SQLModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="For verifying signatures (Standard Webhooks). Shown this once: keep it."
    )


class DeliveryPublic(SQLModel):
    id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
