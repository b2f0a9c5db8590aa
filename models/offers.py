"""Offers: what a resident can give, placed at a cell and reaching a radius around it."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow
from models.categories import Category
from models.posts import (
    Availability,
    DistanceView,
    OwnerView,
    PostCreateFields,
    PostUpdateFields,
    Visibility,
)


class OfferStatus(StrEnum):
    active = "active"
    paused = "paused"
    closed = "closed"


class Offer(SQLModel, table=True):
    __table_args__ = (Index("ix_offer_feed", "status", "cell"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    category: Category = Field(sa_type=enum_column(Category))
    title: str = Field(max_length=120)
    details: str = Field(default="", max_length=2000)
    cell: str = Field(max_length=16)
    radius_m: int
    availability: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    visibility: Visibility = Field(default=Visibility.nearby, sa_type=enum_column(Visibility))
    status: OfferStatus = Field(default=OfferStatus.active, sa_type=enum_column(OfferStatus))
    expires_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OfferCreate(PostCreateFields):
    pass


class OfferUpdate(PostUpdateFields):
    status: OfferStatus | None = Field(
        default=None, description="`paused` hides it for a while; `closed` ends it."
    )


class OfferPublic(SQLModel):
    id: uuid.UUID
    owner: OwnerView
    mine: bool = Field(description="True when you posted it.")
    category: Category
    title: str
    details: str
    radius_m: int
    availability: Availability
    visibility: Visibility
    status: OfferStatus
    expires_at: datetime
    expired: bool = Field(description="Past `expires_at`: out of every feed, kept for you.")
    distance: DistanceView
    cell: str | None = Field(description="The post's H3 cell: shown to its owner only.")
    version: int
    created_at: datetime
    updated_at: datetime
