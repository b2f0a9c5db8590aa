"""API keys for integrators: each acts as one account, within named scopes, optionally in one
neighbourhood only. The key itself is shown once; only its hash is kept."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, new_id, utcnow
from models.trust import ResidentRef


class Scope(StrEnum):
    offers_read = "offers:read"
    requests_read = "requests:read"
    requests_write = "requests:write"
    events_read = "events:read"
    health_read = "health:read"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=80)
    # sha256 of the key: it is 32 random bytes, so a fast hash is safe (unlike a password).
    key_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(
        max_length=16, description="The key's first characters, to tell keys apart."
    )
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    neighbourhood_id: uuid.UUID | None = Field(
        default=None, foreign_key="neighbourhood.id", ondelete="CASCADE"
    )
    created_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKeyCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    name: str = Field(min_length=1, max_length=80, description='e.g. "Food bank rota system".')
    resident_id: uuid.UUID = Field(
        description="The account the key acts as (an organisation's account, say)."
    )
    scopes: list[Scope] = Field(min_length=1, max_length=10)
    neighbourhood_id: uuid.UUID | None = Field(
        default=None, description="Only within this neighbourhood, if set."
    )


class ApiKeyPublic(SQLModel):
    id: uuid.UUID
    name: str
    prefix: str
    acts_as: ResidentRef
    scopes: list[str]
    neighbourhood_id: uuid.UUID | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(
        description="Send as `X-API-Key: <key>` or `Authorization: Bearer <key>`. Shown this "
        "once: only a hash is kept."
    )
