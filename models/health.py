"""A neighbourhood's health, for its connectors: aggregates only, small numbers hidden."""

import uuid
from typing import Literal

from sqlmodel import Field, SQLModel

from models.categories import Category

SMALLEST_SHOWN = 5
Shown = int | Literal["fewer than 5"]


def shown(count: int) -> Shown:
    """Counts under 5 (zero too) are not given exactly: in a small place, they name people."""
    return count if count >= SMALLEST_SHOWN else "fewer than 5"


def share(part: int, whole: int) -> float | None:
    """A share, only where both counts may be shown."""
    if part < SMALLEST_SHOWN or whole < SMALLEST_SHOWN:
        return None
    return round(part / whole, 2)


class UnmetByCategory(SQLModel):
    category: Category
    requests: Shown


class RequestHealth(SQLModel):
    opened: Shown
    matched: Shown = Field(description="Of those opened, with a confirmed helper.")
    fulfilled: Shown
    median_hours_to_match: float | None = Field(
        description="From asking to a confirmed helper; null with fewer than 5 matches."
    )
    unmet_by_category: list[UnmetByCategory] = Field(
        description="Requests with no helper after a day (not withdrawn), per category."
    )


class CrisisHealth(SQLModel):
    """How the neighbourhood's network held up when it was needed, over the same 90 days."""

    crises: int = Field(description="Times crisis mode was switched on.")
    check_ins_asked: Shown = Field(description="'Are you OK?' asked, in every crisis.")
    check_ins_answered: Shown = Field(description="Answered by the resident, or after a call.")
    share_check_ins_answered: float | None
    median_minutes_to_answer: float | None = Field(
        description="From asking to an answer; null with fewer than 5 answers."
    )
    met_along_ties: Shown = Field(
        description="Requests with a confirmed helper the requester already knew."
    )
    met_through_strangers: Shown = Field(description="Requests met by someone new to them.")
    share_met_along_ties: float | None
    median_minutes_to_first_yes: float | None = Field(
        description="From a request opening to a helper's first yes, outside crisis mode; "
        "null with fewer than 5."
    )
    median_minutes_to_first_yes_in_crisis: float | None = Field(
        description="The same, for requests alerted at the crisis pace."
    )


class NeighbourhoodHealth(SQLModel):
    """The last 90 days unless said otherwise. Any count under 5 reads "fewer than 5"; a
    share is null when either of its counts is that small."""

    neighbourhood_id: uuid.UUID
    residents: Shown = Field(description="Active residents living in the area, now.")
    with_a_tie: Shown
    with_three_ties: Shown
    share_with_a_tie: float | None
    share_with_three_ties: float | None
    isolated: Shown = Field(description="No ties, and no event attended.")
    event_occurrences_held: Shown = Field(description="Occurrences with anyone checked in.")
    event_attendance: Shown = Field(description="Check-ins.")
    ties_formed_at_events: Shown = Field(description="New `met` ties between two residents.")
    requests: RequestHealth = Field(description="Requests opened in the last 90 days.")
    crisis: CrisisHealth


class OutreachEntry(SQLModel):
    id: uuid.UUID
    display_name: str
    isolated: bool = Field(description="No ties and no event attended.")
