"""What offers and requests share: availability, visibility, reach, the distance shown."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import ConfigDict, StringConstraints, model_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import ClockTime, UTCDateTime, enum_column, new_id, utcnow
from models.categories import Category
from models.residents import HomeLocation

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]
Details = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]

DEFAULT_RADIUS_M = 1500
MIN_RADIUS_M = 100
MAX_RADIUS_M = 10_000


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


class WeeklyWindow(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    day: Weekday
    start: ClockTime = Field(description="Local time, 24-hour `HH:MM`.")
    end: ClockTime = Field(description="Local time, after `start`.")

    @model_validator(mode="after")
    def _ordered(self) -> "WeeklyWindow":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Availability(SQLModel):
    """When the poster can help (or needs it). Both lists empty means "ask me"."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    weekly: list[WeeklyWindow] = Field(default_factory=list, max_length=21)
    dates: list[date] = Field(
        default_factory=list, max_length=60, description="Particular days, in addition."
    )


class Visibility(StrEnum):
    """Who in reach may see a post. The circles narrow reach; they never widen it."""

    nearby = "nearby"  # anyone in reach, whether or not a neighbourhood covers them
    circle = "circle"  # only residents the owner has a tie with
    circle_of_circle = "circle_of_circle"  # those, and the residents they have ties with


class DistanceView(SQLModel):
    """How far a post is from the viewer: cell centre to cell centre, rounded to a bucket, so
    it reveals nothing finer than the two cells."""

    bucket_km: int = Field(description="0 for under 1 km; otherwise whole kilometres.")
    label: str = Field(description='e.g. "under 1 km", "about 2 km".')


class OwnerView(SQLModel):
    id: uuid.UUID
    display_name: str


class PostColumns(SQLModel):
    """The columns every post table has; `Offer` and `HelpRequest` add their own."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    category: Category = Field(sa_type=enum_column(Category))
    title: str = Field(max_length=120)
    details: str = Field(default="", max_length=2000)
    cell: str = Field(max_length=16)
    radius_m: int
    availability: dict[str, object] = Field(default_factory=dict, sa_type=JSON)
    visibility: Visibility = Field(default=Visibility.nearby, sa_type=enum_column(Visibility))
    expires_at: datetime = Field(sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PostCreateFields(SQLModel):
    """Fields every new post takes; offers and requests add their own."""

    category: Category
    title: Title = Field(max_length=120)
    details: Details = Field(default="", max_length=2000)
    radius_m: int = Field(
        default=DEFAULT_RADIUS_M,
        ge=MIN_RADIUS_M,
        le=MAX_RADIUS_M,
        description="How far from the post's cell it reaches, in metres.",
    )
    availability: Availability = Field(default_factory=Availability)
    visibility: Visibility = Visibility.nearby
    location: HomeLocation | None = Field(
        default=None,
        description="Where the help is, if not at your home (a relative's street, say). Only "
        "the H3 cell around it is kept, at your privacy level.",
    )
    expires_at: datetime | None = Field(
        default=None, description="Defaults to 60 days from now; at most 180 days ahead."
    )


class PostUpdateFields(SQLModel):
    """Every field optional: send only what changes. Null clears only the fields in NULLABLE."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    title: Title | None = Field(default=None, max_length=120)
    details: Details | None = Field(default=None, max_length=2000)
    radius_m: int | None = Field(default=None, ge=MIN_RADIUS_M, le=MAX_RADIUS_M)
    availability: Availability | None = None
    visibility: Visibility | None = None
    location: HomeLocation | None = None
    expires_at: datetime | None = None

    @model_validator(mode="after")
    def _not_null(self) -> "PostUpdateFields":
        for name in self.model_fields_set - self.NULLABLE:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may be left out but not set to null")
        return self
