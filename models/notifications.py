"""Notifications, stored for each resident; delivering them (push, webhooks, the stream) is
the integrations work's job."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow


class NotificationKind(StrEnum):
    event_reminder = "event_reminder"
    event_cancelled = "event_cancelled"
    waitlist_place = "waitlist_place"
    host_invite = "host_invite"
    match_update = "match_update"
    match_feedback = "match_feedback"  # "how did it go?" once a match is done
    report_update = "report_update"
    connection_ask = "connection_ask"
    help_alert = "help_alert"
    alert_stood_down = "alert_stood_down"
    crisis_started = "crisis_started"
    welfare_check = "welfare_check"


class Notification(SQLModel, table=True):
    # `dedupe_key` names the occasion ("reminder 24h for this occurrence"): however many
    # workers or retries produce it, a resident gets it once.
    __table_args__ = (
        UniqueConstraint("resident_id", "dedupe_key"),
        Index("ix_notification_inbox", "resident_id", "created_at"),  # newest first, paged
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    kind: NotificationKind = Field(sa_type=enum_column(NotificationKind))
    dedupe_key: str = Field(max_length=200)
    title: str = Field(max_length=200)
    data: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationPublic(SQLModel):
    id: uuid.UUID
    kind: NotificationKind
    title: str = Field(description="In plain words, ready to show.")
    data: dict[str, object] = Field(
        description="Ids to open what it is about; no personal details."
    )
    created_at: datetime
    read_at: datetime | None
