"""Offers: what a resident can give, placed at a cell and reaching a radius around it."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import enum_column
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


class OfferStatus(StrEnum):
    active = "active"
    paused = "paused"
    closed = "closed"


class Offer(PostColumns, table=True):
    __table_args__ = (Index("ix_offer_feed", "status", "cell"),)

    status: OfferStatus = Field(default=OfferStatus.active, sa_type=enum_column(OfferStatus))


class OfferCreate(PostCreateFields):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    pass


class OfferUpdate(PostUpdateFields):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

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
