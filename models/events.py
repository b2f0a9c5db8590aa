"""Events: community meals, street parties, skill swaps. Public places and public times, so
unlike a home, a venue's address and point may be shown."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import ConfigDict, StringConstraints, model_validator
from sqlmodel import Field, SQLModel

from models.base import (
    DEFAULT_TIMEZONE,
    Page,
    TimeZoneName,
    UTCDateTime,
    enum_column,
    new_id,
    utcnow,
)
from models.posts import DistanceView
from models.residents import NeighbourhoodRef
from models.trust import ResidentRef

EventTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
VenueName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
RRule = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
CheckInDigits = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=6, pattern=r"^\d{6}$")
]

VENUE_RESOLUTION = 12  # ~10 m: a venue's point, kept as a cell like every place in Kith
AREA_RESOLUTION = 8  # the cell the "near me" search indexes, as for posts


class EventKind(StrEnum):
    meal = "meal"
    street_party = "street_party"
    skill_swap = "skill_swap"
    walk = "walk"
    coffee_morning = "coffee_morning"
    workshop = "workshop"
    other = "other"


class EventStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class Event(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: EventKind = Field(sa_type=enum_column(EventKind))
    title: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    accessibility: str = Field(default="", max_length=300)
    venue_name: str = Field(max_length=120)
    venue_address: str = Field(default="", max_length=300)
    venue_cell: str = Field(max_length=16)
    cell: str = Field(max_length=16, index=True)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    # The first occurrence; later ones keep its local wall-clock time (see services.recurrence).
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    rrule: str | None = Field(default=None, max_length=300)
    # When the last occurrence ends (null: the rule never ends), so a window query can skip
    # events that are over without expanding their rules.
    last_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    capacity: int | None = Field(default=None)
    # Keys the rotating check-in codes; made when a host first asks for one. Never shown.
    check_in_secret: str | None = Field(default=None, max_length=64)
    status: EventStatus = Field(default=EventStatus.scheduled, sa_type=enum_column(EventStatus))
    created_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    # Hosted for a neighbourhood: its connectors, whoever they are at the time, host it too,
    # so a connector-run supper outlasts any one connector.
    neighbourhood_id: uuid.UUID | None = Field(
        default=None, foreign_key="neighbourhood.id", index=True, ondelete="SET NULL"
    )
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OccurrenceChange(SQLModel, table=True):
    """One occurrence cancelled or moved. `occurrence` is its original local date, which
    names it for good (rules repeat at most daily)."""

    __tablename__ = "event_occurrence_change"

    event_id: uuid.UUID = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    occurrence: date = Field(primary_key=True)
    cancelled: bool = Field(default=False)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VenueIn(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: VenueName = Field(max_length=120, description="e.g. 'St Mary's church hall'.")
    address: ShortText = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90, description="The venue's latitude: a public place.")
    lon: float = Field(ge=-180, le=180)


class Venue(SQLModel):
    name: str
    address: str
    lat: float = Field(description="Centre of the ~10 m cell that holds the venue.")
    lon: float


class EventTimes(SQLModel):
    starts_at: datetime = Field(
        description="With an offset, or without one to mean local time in `timezone`."
    )
    ends_at: datetime = Field(description="After `starts_at`; at most 24 hours later.")


class EventCreate(EventTimes):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    kind: EventKind
    title: EventTitle = Field(max_length=120)
    description: LongText = Field(default="", max_length=2000)
    accessibility: ShortText = Field(
        default="", max_length=300, description="Step-free access, hearing loop, quiet room..."
    )
    venue: VenueIn
    timezone: TimeZoneName = Field(default=DEFAULT_TIMEZONE, description="An IANA zone name.")
    rrule: RRule | None = Field(
        default=None,
        max_length=300,
        description="RFC 5545 rule, e.g. `FREQ=WEEKLY;BYDAY=TU`: DAILY, WEEKLY, MONTHLY or "
        "YEARLY, repeating in local time (18:00 stays 18:00 across clock changes).",
    )
    capacity: int | None = Field(default=None, ge=1, le=10_000)
    neighbourhood_id: uuid.UUID | None = Field(
        default=None,
        description="Host it for a neighbourhood you are a connector of, at a venue in its "
        "area: all its connectors then host it with you.",
    )


class EventUpdate(SQLModel):
    """Send only what changes; null clears `capacity` or `rrule`. Changing the times or the
    rule moves every occurrence."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"capacity", "rrule"})

    title: EventTitle | None = Field(default=None, max_length=120)
    description: LongText | None = Field(default=None, max_length=2000)
    accessibility: ShortText | None = Field(default=None, max_length=300)
    venue: VenueIn | None = None
    capacity: int | None = Field(default=None, ge=1, le=10_000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    rrule: RRule | None = Field(default=None, max_length=300)

    @model_validator(mode="after")
    def _not_null(self) -> "EventUpdate":
        for name in self.model_fields_set - self.NULLABLE:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may be left out but not set to null")
        return self


class EventPublic(SQLModel):
    id: uuid.UUID
    kind: EventKind
    title: str
    description: str
    accessibility: str
    venue: Venue
    timezone: str
    starts_at: datetime = Field(description="The first occurrence, in the event's time zone.")
    ends_at: datetime
    rrule: str | None
    capacity: int | None
    status: EventStatus
    hosts: list[ResidentRef] = Field(description="Those who host it; invitations not shown.")
    neighbourhood: NeighbourhoodRef | None = Field(
        description="Set when hosted for a neighbourhood: its connectors host it too."
    )
    version: int
    created_at: datetime


class OccurrenceMove(EventTimes):
    """New times for one occurrence."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class OccurrencePublic(SQLModel):
    event_id: uuid.UUID
    occurrence: date = Field(description="Names this occurrence: its original local date.")
    title: str
    kind: EventKind
    venue_name: str
    starts_at: datetime = Field(description="In the event's time zone.")
    ends_at: datetime
    moved: bool
    distance: DistanceView
    ties_going: list[ResidentRef] = Field(
        default_factory=list,
        description="In suggestions only: people you have a tie with who are going. Nobody "
        "else who is going is ever named.",
    )
    neighbours_going: int | None = Field(
        default=None, description="In suggestions only: how many from your neighbourhood."
    )


class RsvpAnswer(StrEnum):
    going = "going"
    maybe = "maybe"
    not_going = "not_going"


class Rsvp(SQLModel, table=True):
    """One resident's answer for one occurrence. Going beyond capacity means waiting: the
    earliest on the waitlist moves up when a place frees."""

    __tablename__ = "event_rsvp"

    event_id: uuid.UUID = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    occurrence: date = Field(primary_key=True)
    resident_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    answer: RsvpAnswer = Field(sa_type=enum_column(RsvpAnswer))
    waitlisted: bool = Field(default=False)
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RsvpCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    occurrence: date = Field(description="Which occurrence: its original local date.")
    answer: RsvpAnswer


class Headcount(SQLModel):
    going: int
    maybe: int
    waitlisted: int
    capacity: int | None


class RsvpPublic(SQLModel):
    occurrence: date
    answer: RsvpAnswer
    waitlisted: bool = Field(description="Going, but waiting for a place to free up.")
    waitlist_position: int | None = Field(description="1 is next in line.")
    headcount: Headcount


class Attendees(Page[ResidentRef]):
    """For hosts: one page of who is coming (or waiting), in the order they answered. Names
    only, never where anyone lives."""

    occurrence: date
    headcount: Headcount


class CheckIn(SQLModel, table=True):
    __tablename__ = "event_check_in"

    event_id: uuid.UUID = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    occurrence: date = Field(primary_key=True)
    resident_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    checked_in_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    marked_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )


class KeepInTouch(SQLModel, table=True):
    """One attendee's wish to stay in touch with another. Only a pair who chose each other
    becomes a tie; a wish that is not returned is never shown to anyone."""

    __tablename__ = "event_keep_in_touch"

    event_id: uuid.UUID = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    occurrence: date = Field(primary_key=True)
    chooser_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    chosen_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CheckInCode(SQLModel):
    occurrence: date
    code: str = Field(description="Six digits to show the room; it changes every 10 minutes.")
    valid_until: datetime


class CheckInCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    occurrence: date
    code: CheckInDigits | None = Field(default=None, description="Six digits, from the host.")
    resident_id: uuid.UUID | None = Field(
        default=None, description="Hosts only: mark someone present without a code."
    )


class CheckInPublic(SQLModel):
    occurrence: date
    resident: ResidentRef
    checked_in_at: datetime


class KeepInTouchCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    occurrence: date
    resident_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=50, description="Others who checked in at this occurrence."
    )


class KeepInTouchPublic(SQLModel):
    occurrence: date
    chosen: list[uuid.UUID] = Field(description="Everyone you have chosen at this occurrence.")


class CalendarFeed(SQLModel, table=True):
    """A resident's private calendar address. Only a hash of its token is kept: the address
    is a password that a calendar app sends without signing in."""

    __tablename__ = "calendar_feed"

    resident_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarFeedPublic(SQLModel):
    path: str = Field(description="Add this to a calendar app (after the API's base URL).")
    created_at: datetime
