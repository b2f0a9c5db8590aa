"""What connectors send and see when they moderate."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from models.matches import MatchStatus
from models.residents import ResidentStatus
from models.trust import ResidentRef


class ReviewDecision(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="Why: for the audit log and other connectors. Never shown to the helper.",
    )


class MatchReviewed(SQLModel):
    match_id: uuid.UUID
    status: MatchStatus


class QueueItemKind(StrEnum):
    match_review = "match_review"
    report = "report"
    verification_expiring = "verification_expiring"
    request_unmatched = "request_unmatched"
    crisis_assignment = "crisis_assignment"  # crisis mode is on: plan a batch assignment
    welfare_call = "welfare_call"  # a check-in to follow up by phone


class QueueItem(SQLModel):
    """One thing waiting for a connector: enough to decide, and no more (never a home)."""

    kind: QueueItemKind
    id: uuid.UUID = Field(
        description="The match, report, verification or request; the crisis, for "
        "`crisis_assignment`; the check-in, for `welfare_call`."
    )
    since: datetime = Field(description="How long it has waited: the queue is oldest first.")
    neighbourhood_id: uuid.UUID
    summary: str = Field(description="In plain words.")
    urgent: bool = False
    category: str | None = None
    subject_id: uuid.UUID | None = Field(
        default=None, description="The resident concerned, where there is one."
    )


class SuspensionDecision(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    reason: str = Field(
        min_length=1, max_length=1000, description="For the audit log and other connectors."
    )


class SuspensionPublic(SQLModel):
    resident_id: uuid.UUID
    status: ResidentStatus
    matches_cancelled: int = Field(description="Open matches ended; the other sides were told.")
    vouched_for: list[ResidentRef] = Field(
        description="Whom this resident vouches for (live vouches, at most 100): review them."
    )
