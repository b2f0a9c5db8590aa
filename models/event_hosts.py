"""An event's hosts: the resident who made it, and co-hosts who accepted an invitation."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow
from models.trust import ResidentRef

MAX_HOSTS = 10  # hosts and open invitations together


class EventHost(SQLModel, table=True):
    """A host, or (while `accepted_at` is null) someone invited to host. Being named as a
    host is public, so nobody becomes one without saying yes."""

    __tablename__ = "event_host"

    event_id: uuid.UUID = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    resident_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    invited_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A no, kept so that asking again stays quiet for a while; never shown to anyone.
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HostStatus(StrEnum):
    invited = "invited"
    hosting = "hosting"


class HostInvite(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    resident_id: uuid.UUID = Field(
        description="Someone you have a `connected`, `met` or `helped` tie with."
    )


class EventHostPublic(SQLModel):
    resident: ResidentRef
    status: HostStatus
    since: datetime = Field(description="When invited, or when they said yes.")


class EventHosts(SQLModel):
    """Everyone who hosts the event, and open invitations. Connectors of the neighbourhood it
    is hosted for also host it, and are listed on the neighbourhood."""

    hosts: list[EventHostPublic]
