"""Reports: any resident may raise a concern about a person, a post, an event or a match.
Who reported is for connectors only."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow
from models.trust import ResidentRef


class ReportSubject(StrEnum):
    resident = "resident"
    offer = "offer"
    request = "request"
    event = "event"
    match = "match"


class ReportReason(StrEnum):
    safety = "safety"  # someone may be at risk
    harassment = "harassment"
    scam = "scam"
    inappropriate = "inappropriate"
    spam = "spam"
    other = "other"


class ReportStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class Report(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    reporter_id: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", index=True, ondelete="SET NULL"
    )
    subject_type: ReportSubject = Field(sa_type=enum_column(ReportSubject))
    subject_id: uuid.UUID
    # The resident the concern is about (the person, or the post's or event's owner).
    concerns_id: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    neighbourhood_id: uuid.UUID | None = Field(
        default=None, foreign_key="neighbourhood.id", index=True, ondelete="SET NULL"
    )
    reason: ReportReason = Field(sa_type=enum_column(ReportReason))
    details: str = Field(default="", max_length=2000)
    urgent: bool = Field(default=False)
    status: ReportStatus = Field(default=ReportStatus.open, sa_type=enum_column(ReportStatus))
    action: str = Field(default="", max_length=1000)
    resolved_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    subject_type: ReportSubject
    subject_id: uuid.UUID
    reason: ReportReason
    details: str = Field(
        default="", max_length=2000, description="What happened, in your words. Optional."
    )


class ReportResolve(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    action: str = Field(
        min_length=1, max_length=1000, description="What was done: for the audit log."
    )


class ReportPublic(SQLModel):
    id: uuid.UUID
    subject_type: ReportSubject
    subject_id: uuid.UUID
    reason: ReportReason
    details: str
    urgent: bool = Field(description="About a match in progress: looked at first.")
    status: ReportStatus
    created_at: datetime
    resolved_at: datetime | None
    reporter: ResidentRef | None = Field(
        default=None, description="Connectors only: who raised it."
    )
    concerns: ResidentRef | None = Field(
        default=None, description="Connectors only: the resident it is about."
    )
    action: str | None = Field(default=None, description="Connectors only: what was done.")
