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


class AuditEntry(SQLModel, table=True):
    """Never updated, never deleted: database triggers refuse both (see the migration).
    No foreign keys either, so that removing a resident cannot rewrite the record."""

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
