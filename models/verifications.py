"""Verifications: checks a connector has seen. Only the level, dates and verifier are kept:
never a certificate number."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, model_validator
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow


class VerificationKind(StrEnum):
    id_checked = "id_checked"
    dbs_basic = "dbs_basic"
    dbs_enhanced = "dbs_enhanced"
    dbs_enhanced_barred_adults = "dbs_enhanced_barred_adults"
    organisation = "organisation"


BADGE_LABELS = {
    VerificationKind.id_checked: "ID checked by a connector",
    VerificationKind.dbs_basic: "basic DBS check",
    VerificationKind.dbs_enhanced: "enhanced DBS check",
    VerificationKind.dbs_enhanced_barred_adults: "enhanced DBS check with the adults' barred list",
    VerificationKind.organisation: "known to a local organisation",
}


class Verification(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    kind: VerificationKind = Field(sa_type=enum_column(VerificationKind))
    issued_on: date
    expires_on: date | None = Field(default=None, description="Null: does not expire.")
    verified_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Badge(SQLModel):
    kind: VerificationKind
    label: str = Field(description="In plain words, for display.")
    expires_on: date | None


class VerificationRecord(SQLModel):
    """A check a connector has seen. Only its level and dates: there is deliberately no field
    for a certificate number, and unknown fields are refused rather than dropped."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    kind: VerificationKind
    issued_on: date = Field(description="When the check was issued (not in the future).")
    expires_on: date | None = Field(
        default=None, description="When it stops counting; null if it does not expire."
    )
    note: str = Field(default="", max_length=300, description="For the audit log: how it was seen.")

    @model_validator(mode="after")
    def _ordered(self) -> "VerificationRecord":
        if self.expires_on is not None and self.expires_on <= self.issued_on:
            raise ValueError("expires_on must be after issued_on")
        return self


class VerificationsPublic(SQLModel):
    resident_id: uuid.UUID
    badges: list[Badge] = Field(description="The checks in force now.")
