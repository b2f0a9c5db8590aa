"""Delta sync: a change log compacted to the latest change of each thing per audience, and
the pages a client reads from it."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, utcnow
from models.events import EventPublic
from models.matches import MatchPublic
from models.notifications import NotificationPublic
from models.offers import OfferPublic
from models.requests import HelpRequestPublic
from models.ties import CircleMember


class SyncKind(StrEnum):
    offer = "offer"
    request = "request"
    match = "match"
    event = "event"
    notification = "notification"
    tie = "tie"  # the entity is the other resident: a member of your circle


class SyncChange(SQLModel, table=True):
    """The latest change to one thing, as seen by one audience: `r:<resident id>` (a person
    it concerns) or `c:<H3 cell>` (everyone whose reach covers that cell). A newer change
    overwrites the row with a higher `seq`, so the log holds one row per thing and audience
    however often it changes, and a client from scratch reads the same log as one catching up.
    """

    __tablename__ = "sync_change"
    __table_args__ = (Index("ix_sync_change_audience_seq", "audience", "seq"),)

    kind: SyncKind = Field(sa_type=enum_column(SyncKind), primary_key=True)
    entity_id: uuid.UUID = Field(primary_key=True)
    audience: str = Field(max_length=40, primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))  # shared by a change's rows
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SyncClock(SQLModel, table=True):
    """One row. Bumping `seq` locks it until commit, so changes are numbered in commit order.
    `horizon`: the highest seq pruned from the log; a token older than that may have missed
    a removal and must start again. `swept_at`: up to when expiries were logged."""

    __tablename__ = "sync_clock"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    horizon: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    swept_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class _Synced(SQLModel):
    id: uuid.UUID
    deleted: bool = Field(
        description="A tombstone: drop your copy. The thing was removed or you can no longer "
        "see it. May name something you never held; ignore those."
    )


class SyncedOffer(_Synced):
    kind: Literal["offer"] = "offer"
    data: OfferPublic | None = None


class SyncedRequest(_Synced):
    kind: Literal["request"] = "request"
    data: HelpRequestPublic | None = None


class SyncedMatch(_Synced):
    kind: Literal["match"] = "match"
    data: MatchPublic | None = None


class SyncedEvent(_Synced):
    kind: Literal["event"] = "event"
    data: EventPublic | None = None


class SyncedNotification(_Synced):
    kind: Literal["notification"] = "notification"
    data: NotificationPublic | None = None


class SyncedTie(_Synced):
    kind: Literal["tie"] = "tie"
    data: CircleMember | None = None


AnyChange = Annotated[
    SyncedOffer | SyncedRequest | SyncedMatch | SyncedEvent | SyncedNotification | SyncedTie,
    Field(discriminator="kind"),
]


class SyncPage(SQLModel):
    changes: list[AnyChange] = Field(
        description="Oldest change first. Apply in order: each replaces your copy, or removes it."
    )
    next_token: str = Field(description="Send as `since` next time (and for the next page).")
    more: bool = Field(description="More changes are waiting: ask again with `next_token` now.")
