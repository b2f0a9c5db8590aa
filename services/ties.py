"""Ties: recording and withdrawing the evidence of a bond, and how strong it is today.

Other parts of Kith add ties through `record_tie` and `withdraw_tie` (events add `met`,
matching adds `helped`). Each kind is stored once from each side of the pair.

Strength is deterministic: a function of the stored evidence and a date. Each kind has a
weight; repeated evidence (met at three events) compounds it; it halves every half-life
after the latest evidence. Standing declarations (a connection, a vouch) keep at least half
their weight while they stand, since the person has not taken them back. Kinds combine as
independent evidence: 1 - (1 - a)(1 - b)...
"""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.ties import MUTUAL_KINDS, Tie, TieKind
from services import bulk, changes

WEIGHTS = {
    TieKind.connected: 0.6,
    TieKind.vouched: 0.7,
    TieKind.met: 0.3,
    TieKind.helped: 0.5,
}
STANDING = frozenset({TieKind.connected, TieKind.vouched})
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Decay:
    half_life_days: float = 180.0

    def strength(self, kind: TieKind, times: int, last_at: datetime, at: datetime) -> float:
        weight = 1 - (1 - WEIGHTS[kind]) ** max(times, 0)
        age_days = max((at - last_at) / DAY, 0.0)
        fade = math.exp2(-age_days / self.half_life_days)
        if kind in STANDING:
            fade = 0.5 + 0.5 * fade
        return weight * fade


def combined(strengths: Iterable[float]) -> float:
    return 1 - math.prod(1 - s for s in strengths)


def today() -> datetime:
    """Strengths are taken as of the start of the UTC day: stable for a day, so a list
    ordered by strength pages consistently and two calls agree."""
    return datetime.combine(utcnow().date(), time(), tzinfo=UTC)


@dataclass
class TieSummary:
    """Every kind of tie a resident has with one other, folded together."""

    kinds: list[TieKind]
    strength: float
    since: datetime


def summarise(rows: Iterable[Any], decay: Decay, at: datetime) -> dict[uuid.UUID, TieSummary]:
    """Fold tie rows (`other_id, kind, times, since, last_at`) into one summary per other."""
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.other_id, []).append(row)
    return {
        other: TieSummary(
            kinds=sorted(row.kind for row in kinds),
            # Sorted: the same strengths in any row order give the same float, to the bit.
            strength=combined(
                sorted(decay.strength(r.kind, r.times, r.last_at, at) for r in kinds)
            ),
            since=min(row.since for row in kinds),
        )
        for other, kinds in grouped.items()
    }


def _sides(a: uuid.UUID, b: uuid.UUID, kind: TieKind) -> list[tuple[uuid.UUID, uuid.UUID]]:
    return [(a, b), (b, a)] if kind in MUTUAL_KINDS else [(a, b)]


async def record_tie(
    session: AsyncSession,
    a: uuid.UUID,
    b: uuid.UUID,
    kind: TieKind,
    *,
    at: datetime | None = None,
    context: str | None = None,
) -> None:
    """Add one piece of evidence of `kind` between a and b: from both sides for a mutual
    kind, from a's side only for a vouch (a vouched for b). An upsert, so two requests
    recording the same tie at once both count and neither fails."""
    if a == b:
        raise ValueError("a tie needs two different residents")
    at = at or utcnow()
    context = context[:120] if context else None
    rows = [
        {
            "resident_id": x,
            "other_id": y,
            "kind": kind,
            "since": at,
            "last_at": at,
            "context": context,
        }
        for x, y in _sides(a, b, kind)
    ]
    changes.note_tie(session, a, b)
    insert = bulk.insert(session, Tie).values(rows)
    newer = insert.excluded.last_at > Tie.last_at
    await session.exec(
        insert.on_conflict_do_update(
            index_elements=["resident_id", "other_id", "kind"],
            set_={
                "times": col(Tie.times) + 1,
                "last_at": case((newer, insert.excluded.last_at), else_=Tie.last_at),
                "since": case(
                    (insert.excluded.since < Tie.since, insert.excluded.since), else_=Tie.since
                ),
                "context": func.coalesce(insert.excluded.context, Tie.context),
            },
        )
    )


async def withdraw_tie(session: AsyncSession, a: uuid.UUID, b: uuid.UUID, kind: TieKind) -> None:
    """Take back one piece of evidence (a's vouch for b revoked, a connection ended); the
    tie of that kind goes when none is left."""
    pair = or_(
        *((col(Tie.resident_id) == x) & (col(Tie.other_id) == y) for x, y in _sides(a, b, kind))
    )
    changes.note_tie(session, a, b)
    await session.exec(update(Tie).where(pair, col(Tie.kind) == kind).values(times=Tie.times - 1))
    await session.exec(delete(Tie).where(pair, col(Tie.kind) == kind, col(Tie.times) <= 0))


async def between(
    session: AsyncSession, a: uuid.UUID, b: uuid.UUID, decay: Decay, at: datetime
) -> TieSummary | None:
    rows = await session.exec(select(Tie).where(Tie.resident_id == a).where(Tie.other_id == b))
    return summarise(rows.all(), decay, at).get(b)
