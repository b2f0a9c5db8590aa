"""Trust between residents. So far: blocks, which hide two people from each other entirely."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class Block(SQLModel, table=True):
    """`blocker_id` never sees, is matched with, or is shown to `blocked_id`, either way.
    The blocked person is never told."""

    blocker_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    blocked_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BlockCreate(SQLModel):
    resident_id: uuid.UUID = Field(description="The resident to block.")


class BlockPublic(SQLModel):
    resident_id: uuid.UUID
    display_name: str
    created_at: datetime
