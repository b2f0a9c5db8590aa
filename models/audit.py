"""The audit log: every connector and admin act, append-only."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow
from models.trust import ResidentRef


class AuditAction(StrEnum):
    match_approved = "match_approved"
    match_rejected = "match_rejected"
    resident_suspended = "resident_suspended"
    resident_reinstated = "resident_reinstated"
    verification_recorded = "verification_recorded"
    report_resolved = "report_resolved"
    role_changed = "role_changed"
    acted_for_resident = "acted_for_resident"
    assisted_resident_registered = "assisted_resident_registered"
    crisis_started = "crisis_started"
    crisis_ended = "crisis_ended"


class AuditEntry(SQLModel, table=True):
    """Never deleted, and updated only to redact: database triggers refuse anything else (see
    the migrations). When a resident erases their account, their name and email leave the
    entry's words and `redacted_at` moves on; the ids, action and time never change, so the
    entry keeps its actor and subject as ids of a scrubbed account: a pseudonym. No foreign
    keys, so that removing a resident cannot rewrite the record."""

    __tablename__ = "audit_entry"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    action: AuditAction = Field(sa_type=enum_column(AuditAction))
    subject_type: str = Field(max_length=32)
    subject_id: uuid.UUID
    neighbourhood_id: uuid.UUID | None = Field(default=None, index=True)
    before: dict[str, object] | None = Field(default=None, sa_type=JSON)
    after: dict[str, object] | None = Field(default=None, sa_type=JSON)
    reason: str = Field(default="", max_length=1000)
    redacted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntryPublic(SQLModel):
    id: uuid.UUID
    at: datetime
    actor: ResidentRef | None
    action: AuditAction
    subject_type: str
    subject_id: uuid.UUID
    neighbourhood_id: uuid.UUID | None
    before: dict[str, object] | None
    after: dict[str, object] | None
    reason: str
    redacted_at: datetime | None = Field(
        default=None,
        description="When an erased account's name and email were taken out of this entry.",
    )
