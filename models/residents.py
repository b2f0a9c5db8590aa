"""Residents: the people who use Kith, their private account and their public face."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, EmailStr, StringConstraints, model_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import (
    DEFAULT_TIMEZONE,
    ClockTime,
    TimeZoneName,
    UTCDateTime,
    enum_column,
    new_id,
    utcnow,
)
from models.text import visible_line

DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(visible_line),
]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
LanguageTag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
    ),
]
Password = Annotated[str, StringConstraints(min_length=10, max_length=128)]

FINE_RESOLUTION = 8
COARSE_RESOLUTION = 7


class ResidentStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    erased = "erased"


class ResidentBase(SQLModel):
    display_name: DisplayName = Field(
        max_length=80, description="The name neighbours see. Need not be a legal name."
    )
    bio: str = Field(default="", max_length=500, description="A few words about yourself.")


class Resident(ResidentBase, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    # The H3 cell of home, never the point the phone sent. Null for accounts with no home
    # (an admin made from the command line), which then belong to no neighbourhood.
    home_cell: str | None = Field(default=None, max_length=16, index=True)
    cell_resolution: int = Field(default=FINE_RESOLUTION)
    skills: list[str] = Field(default_factory=list, sa_type=JSON)
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    weekly_help_cap: int = Field(default=3)
    # Alerts (new requests nearby): off duty, none come; on duty, at most this many a day.
    on_duty: bool = Field(default=True)
    daily_alert_cap: int = Field(default=3)
    # Quiet hours, local to `timezone` ("22:00" to "07:00" wraps midnight): nobody is asked
    # to help then. Both null: none.
    quiet_from: str | None = Field(default=None, max_length=5)
    quiet_until: str | None = Field(default=None, max_length=5)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    # "A connector may reach out to me": only these are ever named to a connector.
    open_to_outreach: bool = Field(default=False)
    status: ResidentStatus = Field(
        default=ResidentStatus.active, sa_type=enum_column(ResidentStatus)
    )
    is_admin: bool = Field(default=False)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HomeLocation(SQLModel):
    """A point the phone sends; Kith keeps only the H3 cell that holds it."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    lat: float = Field(ge=-90, le=90, description="Latitude in degrees (WGS 84). Not stored.")
    lon: float = Field(ge=-180, le=180, description="Longitude in degrees (WGS 84). Not stored.")


class QuietHours(SQLModel):
    """A daily stretch when you are not to be asked; it may run past midnight."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    start: ClockTime = Field(description="Local time, 24-hour `HH:MM`.")
    end: ClockTime = Field(description="Local time; before `start` runs past midnight.")

    @model_validator(mode="after")
    def _not_empty(self) -> "QuietHours":
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class ResidentCreate(ResidentBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    email: EmailStr = Field(max_length=254, description="Private; used to sign in.")
    password: Password = Field(description="10 to 128 characters; not a common password.")
    home: HomeLocation = Field(
        description="Where you live. Only the surrounding H3 cell is kept; the point is dropped."
    )
    coarse_location: bool = Field(
        default=False,
        description="Keep only a coarser cell (H3 resolution 7, about 5 km²) instead of the "
        "default (resolution 8, about 0.74 km²).",
    )


class ResidentUpdate(SQLModel):
    """Every field optional: send only what changes."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    display_name: DisplayName | None = Field(default=None, max_length=80)
    bio: str | None = Field(default=None, max_length=500)
    skills: list[Skill] | None = Field(default=None, max_length=20, description="At most 20.")
    languages: list[LanguageTag] | None = Field(
        default=None, max_length=10, description="BCP 47 language tags, at most 10."
    )
    weekly_help_cap: int | None = Field(
        default=None, ge=0, le=50, description="At most this many new matches a week."
    )
    on_duty: bool | None = Field(
        default=None,
        description="Off duty: no alerts about new requests nearby (you may still offer).",
    )
    daily_alert_cap: int | None = Field(
        default=None, ge=0, le=20, description="At most this many alerts in any 24 hours."
    )
    quiet_hours: QuietHours | None = Field(
        default=None, description="When nobody may ask you for help; null removes them."
    )
    timezone: TimeZoneName | None = Field(
        default=None, description="An IANA zone name, for your quiet hours."
    )
    open_to_outreach: bool | None = Field(
        default=None, description='"A connector may reach out to me."'
    )
    home: HomeLocation | None = Field(
        default=None, description="A new home; neighbourhoods are recomputed from its cell."
    )
    coarse_location: bool | None = Field(
        default=None,
        description="Switch between the default cell and the coarser one. Moving back to the "
        "finer cell needs a `home` point, since the finer cell was never kept.",
    )

    @model_validator(mode="after")
    def _not_null(self) -> "ResidentUpdate":
        # PATCH semantics: absent means unchanged; an explicit null is a mistake, not a reset
        # (except for quiet hours, where null means "none").
        for name in self.model_fields_set - {"quiet_hours"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may be left out but not set to null")
        return self


class NeighbourhoodRef(SQLModel):
    id: uuid.UUID
    name: str


class Roles(SQLModel):
    admin: bool = Field(description="May create neighbourhoods and appoint connectors.")
    connector_of: list[uuid.UUID] = Field(
        description="Neighbourhoods in which this resident is a community connector."
    )


class MePublic(ResidentBase):
    """The signed-in resident's own view: the only one that carries their email and cell."""

    id: uuid.UUID
    email: str
    home_cell: str | None = Field(description="Your H3 cell. Shown to nobody else.")
    coarse_location: bool
    skills: list[str]
    languages: list[str]
    weekly_help_cap: int
    on_duty: bool = Field(description="Alerts about new requests nearby come to you.")
    daily_alert_cap: int = Field(description="At most this many alerts in any 24 hours.")
    quiet_hours: QuietHours | None
    timezone: str
    open_to_outreach: bool
    status: ResidentStatus
    roles: Roles
    neighbourhoods: list[NeighbourhoodRef] = Field(
        description="The neighbourhoods whose area holds your home cell."
    )
    created_at: datetime
