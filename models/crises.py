"""Crisis mode: a connector switches a neighbourhood into response mode (a flood, a heatwave,
a power cut) with a reason and an end time, and off again."""

import uuid
from datetime import datetime

from pydantic import AwareDatetime, ConfigDict
from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, new_id, utcnow
from models.trust import ResidentRef


class Crisis(SQLModel, table=True):
    # One live crisis per neighbourhood: two connectors switching it on at once get one.
    __table_args__ = (
        Index(
            "uq_crisis_live",
            "neighbourhood_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    neighbourhood_id: uuid.UUID = Field(
        foreign_key="neighbourhood.id", index=True, ondelete="CASCADE"
    )
    reason: str = Field(max_length=1000)
    started_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    # Null while live. Set when a connector ends it, or (to `ends_at`) when a new one starts
    # after this one ran out.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by: uuid.UUID | None = Field(default=None, foreign_key="resident.id", ondelete="SET NULL")


class CrisisStart(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    reason: str = Field(
        min_length=1,
        max_length=1000,
        description="What is happening, in plain words: residents are told it.",
    )
    ends_at: AwareDatetime = Field(
        description="When crisis mode ends by itself (within 14 days); end it sooner with "
        "DELETE. With a time zone offset."
    )


class CheckInProgress(SQLModel):
    """The welfare check-ins of this crisis, for its connectors (exact: they act on them)."""

    asked: int = Field(description="Residents who asked to be checked on, and were.")
    fine: int
    need_help: int = Field(description="Said they need help: an urgent request was opened.")
    waiting: int = Field(description="Not answered yet, still within the time to answer.")
    no_answer: int = Field(description="Not answered in time (or to be called): in the queue.")


class CrisisPublic(SQLModel):
    id: uuid.UUID
    neighbourhood_id: uuid.UUID
    live: bool = Field(description="Crisis mode is on now.")
    reason: str
    started_by: ResidentRef | None
    started_at: datetime
    ends_at: datetime
    ended_at: datetime | None = Field(description="When it was switched off, if it was.")
    ended_by: ResidentRef | None
    check_ins: CheckInProgress
