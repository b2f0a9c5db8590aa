"""The row-change stream: database triggers append (entity, key) here whenever a row that
the per-replica read model holds is written, in the same transaction as the write, whoever
writes it (the API, the worker, `kith demo`, a migration, psql). Replicas read it forward
to keep their in-memory copy fresh (services/read_model_sync.py)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Integer, text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class ChangedEntity(StrEnum):
    """What a change's key names; the read model reloads everything it holds under it."""

    resident = "resident"  # a resident row, by id
    offer = "offer"  # an offer row, by id
    ties = "ties"  # every tie a resident holds, by resident_id
    blocks = "blocks"  # every block either way, by one side's id (both sides are logged)
    vouches = "vouches"  # the vouches for a resident, by vouchee_id
    verifications = "verifications"  # a resident's checks, by resident_id
    matches = "matches"  # a helper's matches, by helper_id


class RowChange(SQLModel, table=True):
    """Read in (txid, seq) order. On PostgreSQL `txid` is the writing transaction's id and a
    reader only takes rows of transactions older than every one still running, so a change
    committed late with a low seq is never skipped. SQLite has one writer at a time: txid
    is 0 and seq alone is commit order."""

    __tablename__ = "row_change"
    __table_args__ = (Index("ix_row_change_txid_seq", "txid", "seq"),)

    # Integer on SQLite (its rowid, so autoincrementing), BIGINT elsewhere.
    seq: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    txid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    entity: str = Field(max_length=16)
    key: uuid.UUID
    # Set by the database (triggers write the rows): pruning goes by it.
    changed_at: datetime = Field(
        default_factory=utcnow,
        sa_column=Column(
            UTCDateTime, nullable=False, server_default=text("CURRENT_TIMESTAMP"), index=True
        ),
    )
