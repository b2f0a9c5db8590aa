"""After a match: each side's private answer to "how did it go?". It is never shown to the
other side and never becomes a score; a worry becomes an urgent report for connectors."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, StringConstraints
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow

FeedbackNote = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class MatchFeeling(StrEnum):
    went_well = "went_well"
    mixed = "mixed"
    felt_unsafe = "felt_unsafe"
    worried_about_them = "worried_about_them"


# The answers that go straight to a connector, as an urgent safety report.
CONCERNS = frozenset({MatchFeeling.felt_unsafe, MatchFeeling.worried_about_them})


class MatchFeedback(SQLModel, table=True):
    __tablename__ = "match_feedback"
    # One answer per side of a match: the constraint, not a read first, settles a race.
    __table_args__ = (UniqueConstraint("match_id", "resident_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    match_id: uuid.UUID = Field(foreign_key="match.id", ondelete="CASCADE")
    # Indexed for the export and erasure, which look a resident's answers up.
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    feeling: MatchFeeling = Field(sa_type=enum_column(MatchFeeling))
    note: str | None = Field(default=None, max_length=1000)
    # The safety report a worry raised; the report outlives the answer if that is erased.
    report_id: uuid.UUID | None = Field(default=None, foreign_key="report.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MatchFeedbackCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    feeling: MatchFeeling = Field(
        description="How it went for you. `felt_unsafe` and `worried_about_them` go straight "
        "to a community connector as an urgent concern."
    )
    note: FeedbackNote | None = Field(
        default=None,
        description="Anything you would like to add, in your words. Optional. Never shown to "
        "the other side; with a concern, the connector reads it.",
    )


class MatchFeedbackPublic(SQLModel):
    feeling: MatchFeeling = Field(description="Your answer.")
    created_at: datetime = Field(description="When you answered.")
    next_steps: str = Field(
        description="Thanks, and for a concern what happens next: plain words, ready to show."
    )
