"""Ties: every kind of bond between two residents, as evidence that time weakens."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column


class TieKind(StrEnum):
    connected = "connected"  # both said yes to a connection
    vouched = "vouched"  # one vouched for the other: held on the voucher's side only
    met = "met"  # both checked in at the same event and both opted in
    helped = "helped"  # a match between them completed


# Ties both people chose. A vouch is one person's word about another: it counts in the
# voucher's own circle and trust, but never makes them a bridge, a mutual, or a member of
# the other's circle, since anyone can vouch for anyone without asking.
MUTUAL_KINDS = frozenset({TieKind.connected, TieKind.met, TieKind.helped})


class Tie(SQLModel, table=True):
    """One kind of tie, as `resident_id` holds it with `other_id`. Mutual kinds are stored
    from both sides, so "the ties of X" is one index range; a vouch only from the voucher's.
    Private to the two of them."""

    resident_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    other_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    kind: TieKind = Field(primary_key=True, sa_type=enum_column(TieKind))
    since: datetime = Field(sa_type=UTCDateTime, description="The first evidence of this kind.")
    last_at: datetime = Field(sa_type=UTCDateTime, description="The latest; decay runs from it.")
    times: int = Field(default=1, description="How often: events met at, matches, vouches.")
    context: str | None = Field(
        default=None, max_length=120, description='The latest occasion, e.g. "the Elm St supper".'
    )


class CircleMember(SQLModel):
    id: uuid.UUID
    display_name: str
    kinds: list[TieKind] = Field(description="Every kind of tie you have with them.")
    strength: float = Field(ge=0, le=1, description="0 to 1; fades as the evidence ages.")
    since: datetime = Field(description="When your first tie with them began.")


class YourTie(SQLModel):
    kinds: list[TieKind]
    strength: float = Field(ge=0, le=1)
    since: datetime
