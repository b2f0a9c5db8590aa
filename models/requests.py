"""Help requests (`HelpRequest`: starlette owns the name `Request`): what a resident needs."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import ConfigDict
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column
from models.categories import Category
from models.posts import (
    Availability,
    DistanceView,
    OwnerView,
    PostColumns,
    PostCreateFields,
    PostUpdateFields,
    Visibility,
)


class Urgency(StrEnum):
    low = "low"
    normal = "normal"
    urgent = "urgent"


class Eligibility(StrEnum):
    anyone = "anyone"
    circle = "circle"  # only people the requester has ties with
    vetted = "vetted"  # only helpers with a current verification
    via_connector = "via_connector"  # a connector arranges it


class RequestStatus(StrEnum):
    open = "open"
    matched = "matched"
    fulfilled = "fulfilled"
    cancelled = "cancelled"
    expired = "expired"


class HelpRequest(PostColumns, table=True):
    __tablename__ = "help_request"
    __table_args__ = (Index("ix_help_request_feed", "status", "cell"),)

    urgency: Urgency = Field(default=Urgency.normal, sa_type=enum_column(Urgency))
    needed_by: datetime | None = Field(default=None, sa_type=UTCDateTime)
    helpers_needed: int = Field(default=1)
    eligibility: Eligibility = Field(default=Eligibility.anyone, sa_type=enum_column(Eligibility))
    status: RequestStatus = Field(default=RequestStatus.open, sa_type=enum_column(RequestStatus))


class HelpRequestCreate(PostCreateFields):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    urgency: Urgency = Urgency.normal
    needed_by: datetime | None = Field(default=None, description="When the help is needed by.")
    helpers_needed: int = Field(default=1, ge=1, le=10)
    eligibility: Eligibility = Field(
        default=Eligibility.anyone,
        description="Who may help. Personal-care requests always go `via_connector`.",
    )


class HelpRequestUpdate(PostUpdateFields):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"needed_by"})

    urgency: Urgency | None = None
    needed_by: datetime | None = None
    helpers_needed: int | None = Field(default=None, ge=1, le=10)
    eligibility: Eligibility | None = None


class HelpRequestPublic(SQLModel):
    id: uuid.UUID
    owner: OwnerView
    mine: bool = Field(description="True when you posted it.")
    category: Category
    title: str
    details: str
    radius_m: int
    availability: Availability
    visibility: Visibility
    urgency: Urgency
    needed_by: datetime | None
    helpers_needed: int
    eligibility: Eligibility
    status: RequestStatus
    expires_at: datetime
    expired: bool = Field(description="Past `expires_at`: out of every feed, kept for you.")
    distance: DistanceView
    cell: str | None = Field(description="The post's H3 cell: shown to its owner only.")
    version: int
    created_at: datetime
    updated_at: datetime
