"""Neighbours who do not use the app (phone only), registered by a connector with their
consent, who then asks for help and answers matches on their behalf."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, utcnow
from models.residents import DisplayName
from models.trust import ResidentRef


class ConsentHow(StrEnum):
    phone = "phone"
    in_person = "in_person"
    letter = "letter"
    other = "other"


class ContactPreference(StrEnum):
    phone = "phone"
    post = "post"
    visit = "visit"
    through_connector = "through_connector"


class AssistedResident(SQLModel, table=True):
    __tablename__ = "assisted_resident"

    resident_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    registered_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    consent_given_by: str = Field(max_length=120)
    consent_how: ConsentHow = Field(sa_type=enum_column(ConsentHow))
    consent_at: datetime = Field(sa_type=UTCDateTime)
    contact_preference: ContactPreference = Field(sa_type=enum_column(ContactPreference))
    # How to reach them (a landline, say): for connectors, and for a confirmed match partner
    # only through what the connector shares.
    contact: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Consent(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    given_by: str = Field(
        min_length=1,
        max_length=120,
        description='Who said yes: "themselves", or e.g. "her son, with power of attorney".',
    )
    how: ConsentHow
    at: datetime | None = Field(default=None, description="When; default now.")


class AssistedResidentCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    display_name: DisplayName = Field(max_length=80)
    address: str = Field(
        min_length=3,
        max_length=300,
        description="Their address or postcode. Only the surrounding cell is kept.",
    )
    consent: Consent
    contact_preference: ContactPreference
    contact: str = Field(default="", max_length=200, description="For connectors only.")


class AssistedResidentPublic(SQLModel):
    """For connectors."""

    id: uuid.UUID
    display_name: str
    neighbourhood_id: uuid.UUID | None
    consent: Consent
    contact_preference: ContactPreference
    contact: str
    registered_by: ResidentRef | None
    created_at: datetime


class MatchStep(StrEnum):
    accept = "accept"
    decline = "decline"
    confirm = "confirm"
    complete = "complete"
    cancel = "cancel"


class StepOnBehalf(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    contact: str | None = Field(
        default=None,
        min_length=3,
        max_length=200,
        description="For accept or confirm: how the other side can reach them.",
    )
    meeting_note: str | None = Field(default=None, max_length=500, description="For confirm.")
