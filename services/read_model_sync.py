"""Filling a replica's read model (services/read_model.py) and keeping it fresh from the
row-change stream (models/row_changes.py), which database triggers write in the same
transaction as every change to what the model holds.

Catching up reads the stream forward from a cursor, then reloads everything held under each
changed key, as the database has it now: replaying a change twice, or a change whose rows
the model already has, changes nothing, so the model converges on the database. It applies
what it read in one go, without yielding, so a ranking (which reads the model without
yielding either) never sees half a catch-up.

On PostgreSQL the cursor is (transaction id, seq), and only changes of transactions older
than every transaction still running are taken: a transaction that began earlier but
commits later cannot slip in behind the cursor. SQLite has one writer at a time, so seq
order is commit order.
"""

import asyncio
import logging
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, text, tuple_
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.matches import Match
from models.offers import Offer, OfferStatus
from models.residents import Resident
from models.row_changes import ChangedEntity, RowChange
from models.ties import Tie
from models.trust import Block
from models.verifications import Verification
from models.vouches import Vouch
from services.read_model import (
    CheckFacts,
    MatchFacts,
    OfferFacts,
    ReadModel,
    ResidentFacts,
    Shared,
    TieFacts,
    VouchFacts,
)

logger = logging.getLogger("kith.read_model")

BATCH = 5000  # changes read per round of a catch-up
LOAD_PARTITION = 20_000  # rows read at a time by a full load
KEYS_PER_QUERY = 500  # ids per reload statement: well under SQLite's parameter limit
RETENTION = timedelta(days=1)  # the stream is pruned after this (services: `prune`)
# Absent this long, a replica may have missed pruned changes: it reloads from scratch.
RELOAD_AFTER_S = RETENTION.total_seconds() / 2

_XMIN = text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")

Cursor = tuple[int, int]  # (txid, seq) of the last change taken


@dataclass(frozen=True)
class Change:
    txid: int
    seq: int
    entity: str
    key: uuid.UUID


# What each entity's key reloads, and how the rows land in the model.
_RESIDENTS = select_columns(
    *map(
        col,
        (
            Resident.id,
            Resident.status,
            Resident.weekly_help_cap,
            Resident.quiet_from,
            Resident.quiet_until,
            Resident.timezone,
            Resident.home_cell,
            Resident.display_name,
        ),
    )
)
_OFFERS = select_columns(
    *map(
        col,
        (
            Offer.id,
            Offer.owner_id,
            Offer.cell,
            Offer.radius_m,
            Offer.availability,
            Offer.visibility,
            Offer.category,
            Offer.expires_at,
        ),
    )
).where(col(Offer.status) == OfferStatus.active)  # the model holds active offers only
_TIES = select_columns(
    *map(col, (Tie.resident_id, Tie.other_id, Tie.kind, Tie.times, Tie.since, Tie.last_at)),
    col(Tie.context),
)
_BLOCKS = select_columns(col(Block.blocker_id), col(Block.blocked_id))
_VOUCHES = select_columns(
    col(Vouch.vouchee_id), col(Vouch.voucher_id), col(Vouch.by_connector)
).where(col(Vouch.revoked_at).is_(None))
_CHECKS = select_columns(
    *map(
        col,
        (Verification.resident_id, Verification.kind, Verification.issued_on),
    ),
    col(Verification.expires_on),
)
_MATCHES = select_columns(
    *map(
        col,
        (
            Match.helper_id,
            Match.request_id,
            Match.requester_id,
            Match.origin,
            Match.status,
            Match.created_at,
        ),
    ),
    col(Match.accepted_at),
    col(Match.closed_at),
)


@dataclass(frozen=True)
class _Source:
    """One entity: its reload statement, the columns its key names, and how to apply."""

    entity: ChangedEntity
    query: Any  # a select of the entity's columns, its key first
    key_columns: tuple[Any, ...]

    def apply(self, model: ReadModel, keys: Collection[uuid.UUID], rows: Iterable[Any]) -> None:
        """Replace what the model holds under `keys` with these rows, all of theirs."""
        self._put(model, self._gathered(rows), keys)

    async def load(self, connection: AsyncConnection, model: ReadModel, shared: Shared) -> None:
        """Everything the entity holds, read in partitions so that no more than one
        partition of raw rows is ever held (a million-resident city has millions)."""
        gathered: dict[Any, Any] = {}
        result = await connection.stream(self.query)
        async for partition in result.partitions(LOAD_PARTITION):
            self._gathered(map(shared.row, partition), gathered)
        self._put(model, gathered, gathered.keys())

    def _gathered(self, rows: Iterable[Any], into: dict[Any, Any] | None = None) -> dict[Any, Any]:
        """Rows as facts under their keys: one fact each for a resident or an offer, a set
        of the other sides for blocks, a list of facts for the rest."""
        found: dict[Any, Any] = {} if into is None else into
        if self.entity == ChangedEntity.resident:
            found.update((row[0], ResidentFacts(*row[1:])) for row in rows)
        elif self.entity == ChangedEntity.offer:
            found.update((row[0], OfferFacts(*row)) for row in rows)
        elif self.entity == ChangedEntity.blocks:
            for blocker, blocked in rows:
                found.setdefault(blocker, set()).add(blocked)
                found.setdefault(blocked, set()).add(blocker)
        else:
            facts = _PUTS[self.entity][1]
            for first, *rest in rows:
                found.setdefault(first, []).append(facts(*rest))
        return found

    def _put(self, model: ReadModel, found: dict[Any, Any], keys: Iterable[uuid.UUID]) -> None:
        if self.entity == ChangedEntity.resident:
            for key in keys:
                model.put_resident(key, found.get(key))
        elif self.entity == ChangedEntity.offer:
            for key in keys:
                model.put_offer(key, found.get(key))
        elif self.entity == ChangedEntity.blocks:
            for key in keys:
                model.put_blocks(key, found.get(key, ()))
        else:
            put = _PUTS[self.entity][0]
            for key in keys:
                put(model, key, found.get(key, ()))


_PUTS: dict[ChangedEntity, tuple[Any, Any]] = {
    ChangedEntity.ties: (ReadModel.put_ties, TieFacts),
    ChangedEntity.vouches: (ReadModel.put_vouches, VouchFacts),
    ChangedEntity.verifications: (ReadModel.put_checks, CheckFacts),
    ChangedEntity.matches: (ReadModel.put_matches, MatchFacts),
}
SOURCES = {
    source.entity: source
    for source in (
        _Source(ChangedEntity.resident, _RESIDENTS, (Resident.id,)),
        _Source(ChangedEntity.offer, _OFFERS, (Offer.id,)),
        _Source(ChangedEntity.ties, _TIES, (Tie.resident_id,)),
        _Source(ChangedEntity.blocks, _BLOCKS, (Block.blocker_id, Block.blocked_id)),
        _Source(ChangedEntity.vouches, _VOUCHES, (Vouch.vouchee_id,)),
        _Source(ChangedEntity.verifications, _CHECKS, (Verification.resident_id,)),
        _Source(ChangedEntity.matches, _MATCHES, (Match.helper_id,)),
    )
}


async def _reload(
    connection: AsyncConnection, source: _Source, keys: Sequence[uuid.UUID]
) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = list(keys[start : start + KEYS_PER_QUERY])
        named = or_(*(col(column).in_(chunk) for column in source.key_columns))
        rows += (await connection.execute(source.query.where(named))).all()
    return rows


def _postgres(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"


async def _position(connection: AsyncConnection) -> Cursor:
    """The last change every reader can see now: a full load read after this holds at
    least everything up to it."""
    query = select_columns(col(RowChange.txid), col(RowChange.seq))
    if _postgres(connection):
        query = query.where(col(RowChange.txid) < _XMIN)
    last = (
        await connection.execute(
            query.order_by(col(RowChange.txid).desc(), col(RowChange.seq).desc()).limit(1)
        )
    ).first()
    return (last[0], last[1] or 0) if last is not None else (0, 0)


async def _changes_after(connection: AsyncConnection, cursor: Cursor, limit: int) -> list[Change]:
    txid, seq = col(RowChange.txid), col(RowChange.seq)
    query = select_columns(txid, seq, col(RowChange.entity), col(RowChange.key))
    if _postgres(connection):
        query = query.where(tuple_(txid, seq) > tuple_(*cursor), txid < _XMIN)
        query = query.order_by(txid, seq)
    else:  # txid is always 0: seq alone, a range on the table's rowid (SQLite would read
        # every row of the (txid, seq) index for a row-value comparison)
        query = query.where(seq > cursor[1]).order_by(seq)
    rows = await connection.execute(query.limit(limit))
    return [Change(txid, seq or 0, entity, key) for txid, seq, entity, key in rows.all()]


class ReadModelFeed:
    """One replica's read model and its cursor on the stream. `model` is None until the first
    load has finished; callers then read the database instead."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.model: ReadModel | None = None
        self.cursor: Cursor = (0, 0)
        self.fresh_at = -math.inf  # time.monotonic() when the last catch-up began
        self._catching_up = asyncio.Lock()

    async def load(self) -> None:
        """Everything from scratch, then whatever changed meanwhile."""
        async with self._catching_up:
            await self._load()

    async def _load(self) -> None:
        started = time.monotonic()
        model = ReadModel()
        async with self.engine.connect() as connection:
            cursor = await _position(connection)
            shared = Shared()
            for source in SOURCES.values():
                await source.load(connection, model, shared)
        self.model, self.cursor = model, cursor
        await self._catch_up()
        logger.info(
            "read model loaded",
            extra={"seconds": round(time.monotonic() - started, 2), **model.size()},
        )

    async def fresh(self, max_staleness_s: float) -> ReadModel | None:
        """The model, caught up with every change committed up to `max_staleness_s` ago; None
        while it is still loading. Catch-ups are shared: callers waiting on one already under
        way take its result if it began recently enough."""
        if self.model is None:
            return None
        asked = time.monotonic()
        if asked - self.fresh_at > max_staleness_s:
            async with self._catching_up:
                if asked - self.fresh_at > RELOAD_AFTER_S:  # it may have missed pruned changes
                    await self._load()
                elif asked - self.fresh_at > max_staleness_s:
                    await self._catch_up()
        return self.model

    async def _catch_up(self) -> None:
        assert self.model is not None
        started = time.monotonic()
        async with self.engine.connect() as connection:
            while True:
                changes = await _changes_after(connection, self.cursor, BATCH)
                if not changes:
                    break
                await self._apply(connection, changes)
                self.cursor = (changes[-1].txid, changes[-1].seq)
                if len(changes) < BATCH:
                    break
        self.fresh_at = started

    async def _apply(self, connection: AsyncConnection, changes: list[Change]) -> None:
        assert self.model is not None
        keys: dict[str, set[uuid.UUID]] = defaultdict(set)
        for change in changes:
            keys[change.entity].add(change.key)
        reloaded = [
            (source, found, await _reload(connection, source, sorted(found)))
            for entity, found in keys.items()
            if (source := SOURCES.get(ChangedEntity(entity))) is not None
        ]
        for source, found, rows in reloaded:  # no await from here: applied all at once
            source.apply(self.model, found, rows)


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget changes older than the retention: a replica that far behind reloads anyway."""
    removed = await session.exec(
        delete(RowChange).where(col(RowChange.changed_at) < now - RETENTION)
    )
    return int(removed.rowcount)
