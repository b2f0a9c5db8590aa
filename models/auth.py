"""Sign-in: refresh tokens (stored hashed, in rotation families) and the token responses."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, new_id, utcnow


class RefreshToken(SQLModel, table=True):
    """One link of a rotation chain. Every sign-in starts a family; every refresh adds a link.

    Presenting a link that was already used means the token leaked (or a client replayed it),
    so the whole family is revoked.
    """

    __tablename__ = "refresh_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    family_id: uuid.UUID = Field(index=True)
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TokenPair(SQLModel):
    access_token: str = Field(description="A short-lived bearer token (JWT).")
    token_type: str = Field(default="bearer")
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(
        description="Opaque and single-use: each refresh returns a new one. Re-using a spent "
        "one signs out every device of that sign-in."
    )


class RefreshRequest(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    refresh_token: str = Field(min_length=1, max_length=128)


class PasswordForm(SQLModel):
    """The OAuth2 password grant (a form, so Swagger's "Authorize" button works)."""

    grant_type: Literal["password"] | None = None
    username: str = Field(min_length=1, max_length=254, description="Your email.")
    password: str = Field(min_length=1, max_length=128)
    scope: str = Field(default="", max_length=200)
