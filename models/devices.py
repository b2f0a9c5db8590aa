"""Phones registered for push: the push token is handed to the integrator's gateway, which
learns of each new notification from a `notification.created` webhook."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow


class Platform(StrEnum):
    ios = "ios"
    android = "android"
    web = "web"


class Device(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("resident_id", "push_token"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    platform: Platform = Field(sa_type=enum_column(Platform))
    push_token: str = Field(max_length=512)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeviceCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    platform: Platform
    push_token: str = Field(min_length=8, max_length=512, description="From APNs, FCM or Web Push.")


class DevicePublic(SQLModel):
    id: uuid.UUID
    platform: Platform
    created_at: datetime
    last_seen_at: datetime
