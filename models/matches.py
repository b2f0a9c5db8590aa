"""Matches: one helper for one request, moving from a proposal to help given, with each
side's consent at every step; and the log of who saw whose contact details."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, StringConstraints
from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow
from models.offers import OfferPublic
from models.posts import DistanceView
from models.text import visible_line
from models.trust import ResidentRef

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# Shown to the other side as it is: visible characters only, as a display name.
Contact = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=200),
    AfterValidator(visible_line),
]


class MatchStatus(StrEnum):
    proposed = "proposed"  # waiting for the helper
    pending_review = "pending_review"  # waiting for a connector
    accepted = "accepted"  # the helper said yes; waiting for the requester
    confirmed = "confirmed"  # both said yes: contact details are shared
    completed = "completed"
    declined = "declined"
    cancelled = "cancelled"
    expired = "expired"
    withdrawn = "withdrawn"  # the request found its helpers elsewhere


OPEN_STATUSES = frozenset({MatchStatus.proposed, MatchStatus.pending_review, MatchStatus.accepted})
TAKEN_STATUSES = frozenset({MatchStatus.accepted, MatchStatus.confirmed})


class MatchOrigin(StrEnum):
    requester = "requester"  # the requester asked this helper
    helper = "helper"  # the helper volunteered
    connector = "connector"  # a connector arranged it


class Match(SQLModel, table=True):
    __table_args__ = (
        # Nobody is asked twice for the same request, whatever became of the first time.
        UniqueConstraint("request_id", "helper_id"),
        # A helper's record and recent load, asked for every candidate on every ranking.
        Index("ix_match_helper_status", "helper_id", "status"),
        # The expiry sweep: open matches whose time is up.
        Index("ix_match_status_expires", "status", "expires_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="help_request.id", index=True, ondelete="CASCADE")
    requester_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    helper_id: uuid.UUID = Field(foreign_key="resident.id", ondelete="CASCADE")
    offer_id: uuid.UUID | None = Field(default=None, foreign_key="offer.id", ondelete="SET NULL")
    origin: MatchOrigin = Field(sa_type=enum_column(MatchOrigin))
    status: MatchStatus = Field(sa_type=enum_column(MatchStatus))
    # Thousandths: an integer, so no float column can ever hold a coordinate unnoticed.
    score_permille: int = Field(default=0)
    reasons: list[dict[str, object]] = Field(default_factory=list, sa_type=JSON)
    # Shared with the other side only while confirmed (and a short grace period after).
    helper_contact: str | None = Field(default=None, max_length=200)
    requester_contact: str | None = Field(default=None, max_length=200)
    meeting_note: str | None = Field(default=None, max_length=500)
    helper_thanks: str | None = Field(default=None, max_length=500)
    requester_thanks: str | None = Field(default=None, max_length=500)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MatchChange(SQLModel, table=True):
    """The timeline: every status a match entered, when, and by whom (null: Kith itself)."""

    __tablename__ = "match_change"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    match_id: uuid.UUID = Field(foreign_key="match.id", index=True, ondelete="CASCADE")
    status: MatchStatus = Field(sa_type=enum_column(MatchStatus))
    by: uuid.UUID | None = Field(default=None, foreign_key="resident.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Disclosure(SQLModel, table=True):
    """One showing of someone's contact details to their match partner."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    subject_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    viewer_id: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    match_id: uuid.UUID | None = Field(default=None, foreign_key="match.id", ondelete="SET NULL")
    fields: list[str] = Field(default_factory=list, sa_type=JSON)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReasonKind(StrEnum):
    proximity = "proximity"
    tie = "tie"
    mutual = "mutual"
    vouched = "vouched"
    verified = "verified"
    helped_before = "helped_before"
    availability = "availability"
    offer = "offer"
    fairness = "fairness"


class Reason(SQLModel):
    kind: ReasonKind
    weight: float = Field(
        description="How much of the score this reason accounts for (negative lowers it), "
        "in steps of 0.05."
    )
    text: str = Field(description='In plain words, e.g. "under 1 km away".')


class Candidate(SQLModel):
    helper: ResidentRef
    score: float = Field(ge=0, le=1, description="0 to 1, in steps of 0.05; higher first.")
    distance: DistanceView
    offer: OfferPublic | None = Field(description="Their open offer in this category, if any.")
    reasons: list[Reason]


class MatchCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    helper_id: uuid.UUID | None = Field(
        default=None,
        description="The candidate to ask. Leave out to volunteer yourself as the helper.",
    )
    offer_id: uuid.UUID | None = Field(
        default=None, description="The helper's offer this answers, if any."
    )
    contact: Contact | None = Field(
        default=None,
        description="When volunteering: how the requester can reach you once both say yes.",
    )


class MatchAccept(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    contact: Contact | None = Field(
        default=None, description="How the requester can reach you once they confirm."
    )


class MatchConfirm(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    contact: Contact | None = Field(
        default=None, description="How the helper can reach you, shared once you confirm."
    )
    meeting_note: Note | None = Field(
        default=None,
        max_length=500,
        description="Where and when, in your words (an address, a landmark). Shared with the "
        "helper only while the match is confirmed.",
    )


class MatchThanks(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    message: Note = Field(min_length=1, max_length=500)


class MatchChangePublic(SQLModel):
    status: MatchStatus
    at: datetime
    by: ResidentRef | None


class SharedDetails(SQLModel):
    """What the other side chose to share: only while the match is confirmed."""

    contact: str | None
    meeting_note: str | None


class MatchPublic(SQLModel):
    id: uuid.UUID
    request_id: uuid.UUID
    request_title: str
    requester: ResidentRef
    helper: ResidentRef
    offer_id: uuid.UUID | None
    origin: MatchOrigin
    status: MatchStatus
    your_role: str = Field(description="`requester` or `helper`.")
    reasons: list[Reason]
    expires_at: datetime | None = Field(description="When an unanswered step lapses.")
    shared: SharedDetails | None = Field(
        description="The other side's contact and the meeting note: only while confirmed "
        "and for a day after it ends. Every showing is logged for them to see."
    )
    thanks_received: str | None
    timeline: list[MatchChangePublic]
    version: int
    created_at: datetime


class DisclosurePublic(SQLModel):
    viewer: ResidentRef | None = Field(description="Who saw them (null: an erased account).")
    match_id: uuid.UUID | None
    fields: list[str]
    at: datetime
