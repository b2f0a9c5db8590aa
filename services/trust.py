"""Trust between a viewer and candidates: how well they are joined, and why, in plain words.

The score, in [0, 1], is deterministic for the same data and date:
- the direct tie's strength, else the best two-hop path through someone both have a tie
  with (damped: the product of the two strengths times `two_hop_damping`);
- raised by live vouches (a connector's counts more) and by current verifications, each
  capped, so that endorsements alone (at most 0.48) stay below a fresh connection (0.6).
Pairs blocked either way are left out of the answer altogether.

Built to score a batch (hundreds of candidates) in a fixed number of queries: the viewer's
ties, the paths through them, blocks, vouches and verifications.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, or_
from sqlalchemy import select as select_columns  # typed for any number of columns
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident, ResidentStatus
from models.ties import Tie, TieKind
from models.trust import Block
from models.verifications import BADGE_LABELS, VerificationKind
from models.vouches import Vouch
from services import ties, verifications

RESIDENT_VOUCH = 0.1
CONNECTOR_VOUCH = 0.3
VOUCH_CAP = 0.35
VERIFICATION = 0.1
VERIFICATION_CAP = 0.2


@dataclass(frozen=True)
class TrustSettings:
    half_life_days: float = 180.0
    two_hop_damping: float = 0.5

    @property
    def decay(self) -> ties.Decay:
        return ties.Decay(self.half_life_days)


@dataclass
class Trust:
    score: float = 0.0
    direct: float = 0.0
    direct_kinds: list[TieKind] = field(default_factory=list)
    via: float = 0.0  # the best two-hop path's strength, damped
    via_name: str | None = None
    resident_vouches: int = 0
    connector_vouches: int = 0
    badges: list[VerificationKind] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _score(trust: Trust) -> float:
    vouched = (
        1
        - (1 - RESIDENT_VOUCH) ** trust.resident_vouches
        * (1 - CONNECTOR_VOUCH) ** trust.connector_vouches
    )
    verified = 1 - (1 - VERIFICATION) ** len(trust.badges)
    endorsed = ties.combined([min(vouched, VOUCH_CAP), min(verified, VERIFICATION_CAP)])
    return ties.combined([max(trust.direct, trust.via), endorsed])


async def _blocked(
    session: AsyncSession, viewer_id: uuid.UUID, candidates: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await session.exec(
        select(Block.blocker_id, Block.blocked_id).where(
            or_(
                (col(Block.blocker_id) == viewer_id) & col(Block.blocked_id).in_(candidates),
                (col(Block.blocked_id) == viewer_id) & col(Block.blocker_id).in_(candidates),
            )
        )
    )
    return {b if a == viewer_id else a for a, b in rows.all()}


async def _best_paths(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    candidates: Collection[uuid.UUID],
    mine: dict[uuid.UUID, ties.TieSummary],
    settings: TrustSettings,
    at: datetime,
) -> dict[uuid.UUID, tuple[float, str]]:
    """For each candidate, the strongest path viewer - mutual - candidate and the mutual's
    name. A mutual who is blocked with either end, or not active, carries nothing."""
    if not mine:
        return {}
    theirs = aliased(Tie)
    hidden_from_viewer = (
        select(Block.blocked_id)
        .where(Block.blocker_id == viewer_id)
        .union(select(Block.blocker_id).where(Block.blocked_id == viewer_id))
    )
    blocked_with_candidate = exists().where(
        or_(
            (col(Block.blocker_id) == theirs.resident_id)
            & (col(Block.blocked_id) == theirs.other_id),
            (col(Block.blocker_id) == theirs.other_id)
            & (col(Block.blocked_id) == theirs.resident_id),
        )
    )
    connection = await session.connection()  # core rows: no ORM objects on the hot path
    rows = await connection.execute(
        select_columns(
            col(theirs.resident_id),
            col(theirs.other_id),
            col(theirs.kind),
            col(theirs.times),
            col(theirs.last_at),
            col(Resident.display_name),
        )
        .join(Resident, col(Resident.id) == theirs.resident_id)
        .join(Tie, (col(Tie.other_id) == theirs.resident_id) & (col(Tie.resident_id) == viewer_id))
        .where(col(theirs.other_id).in_(candidates))
        .where(col(Resident.status) == ResidentStatus.active)
        .where(col(theirs.resident_id).not_in(hidden_from_viewer))
        .where(~blocked_with_candidate)
        .distinct()
    )
    decay = settings.decay
    legs: dict[tuple[uuid.UUID, uuid.UUID], list[float]] = {}
    names: dict[uuid.UUID, str] = {}
    for mutual, candidate, kind, times, last_at, name in rows.all():
        legs.setdefault((mutual, candidate), []).append(decay.strength(kind, times, last_at, at))
        names[mutual] = name
    best: dict[uuid.UUID, tuple[float, str]] = {}
    for (mutual, candidate), strengths in sorted(legs.items()):
        path = settings.two_hop_damping * mine[mutual].strength * ties.combined(strengths)
        if candidate not in best or path > best[candidate][0]:
            best[candidate] = (path, names[mutual])
    return best


async def _vouches(
    session: AsyncSession, candidates: Collection[uuid.UUID]
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    rows = await session.exec(
        select(Vouch.vouchee_id, Vouch.by_connector)
        .join(Resident, col(Resident.id) == Vouch.voucher_id)
        .where(col(Vouch.vouchee_id).in_(candidates))
        .where(col(Vouch.revoked_at).is_(None))
        .where(Resident.status == ResidentStatus.active)
    )
    by_residents: dict[uuid.UUID, int] = {}
    by_connectors: dict[uuid.UUID, int] = {}
    for vouchee, by_connector in rows.all():
        tally = by_connectors if by_connector else by_residents
        tally[vouchee] = tally.get(vouchee, 0) + 1
    return by_residents, by_connectors


async def _vouch_directions(
    session: AsyncSession, viewer_id: uuid.UUID, candidates: Collection[uuid.UUID]
) -> set[tuple[uuid.UUID, uuid.UUID]]:
    rows = await session.exec(
        select(Vouch.voucher_id, Vouch.vouchee_id)
        .where(col(Vouch.revoked_at).is_(None))
        .where(
            or_(
                (col(Vouch.voucher_id) == viewer_id) & col(Vouch.vouchee_id).in_(candidates),
                (col(Vouch.vouchee_id) == viewer_id) & col(Vouch.voucher_id).in_(candidates),
            )
        )
    )
    return set(rows.all())


def _direct_reasons(
    viewer_id: uuid.UUID,
    candidate: uuid.UUID,
    kinds: list[TieKind],
    vouch_pairs: set[tuple[uuid.UUID, uuid.UUID]],
    met_context: str | None,
    met_count: int,
) -> list[str]:
    reasons = []
    if TieKind.connected in kinds:
        reasons.append("you are connected")
    if TieKind.vouched in kinds:
        mine, theirs = (viewer_id, candidate) in vouch_pairs, (candidate, viewer_id) in vouch_pairs
        if mine and theirs:
            reasons.append("you have vouched for each other")
        elif mine:
            reasons.append("you vouched for them")
        elif theirs:
            reasons.append("they vouched for you")
    if TieKind.met in kinds:
        if met_count > 1:
            reasons.append(f"you have met at {met_count} events")
        elif met_context:
            reasons.append(f"you both went to {met_context}")
        else:
            reasons.append("you have met at an event")
    if TieKind.helped in kinds:
        reasons.append("you have helped one another before")
    return reasons


async def trust_between(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    candidate_ids: Collection[uuid.UUID],
    settings: TrustSettings,
    at: datetime,
) -> dict[uuid.UUID, Trust]:
    """Trust from the viewer's side for each candidate; blocked pairs are absent."""
    candidates = set(candidate_ids) - {viewer_id}
    if not candidates:
        return {}
    candidates -= await _blocked(session, viewer_id, candidates)
    connection = await session.connection()
    my_rows = (
        await connection.execute(
            select_columns(
                *map(col, (Tie.other_id, Tie.kind, Tie.times, Tie.since, Tie.last_at)),
                col(Tie.context),
            ).where(col(Tie.resident_id) == viewer_id)
        )
    ).all()
    mine = ties.summarise(my_rows, settings.decay, at)
    met = {row.other_id: (row.context, row.times) for row in my_rows if row.kind == TieKind.met}
    paths = await _best_paths(session, viewer_id, candidates, mine, settings, at)
    by_residents, by_connectors = await _vouches(session, candidates)
    in_force = await verifications.current(session, candidates, at)
    vouch_pairs = await _vouch_directions(session, viewer_id, candidates)

    results: dict[uuid.UUID, Trust] = {}
    for candidate in sorted(candidates):
        trust = Trust()
        if candidate in mine:
            trust.direct = mine[candidate].strength
            trust.direct_kinds = mine[candidate].kinds
            context, count = met.get(candidate, (None, 0))
            trust.reasons += _direct_reasons(
                viewer_id, candidate, trust.direct_kinds, vouch_pairs, context, count
            )
        elif candidate in paths:
            trust.via, trust.via_name = paths[candidate]
            trust.reasons.append(f"you both know {trust.via_name}")
        trust.resident_vouches = by_residents.get(candidate, 0)
        trust.connector_vouches = by_connectors.get(candidate, 0)
        if trust.connector_vouches:
            trust.reasons.append("vouched for by a connector")
        if trust.resident_vouches:
            plural = "s" if trust.resident_vouches > 1 else ""
            trust.reasons.append(f"vouched for by {trust.resident_vouches} neighbour{plural}")
        trust.badges = sorted(in_force.get(candidate, {}))
        trust.reasons += [BADGE_LABELS[kind] for kind in trust.badges]
        trust.score = round(_score(trust), 6)
        results[candidate] = trust
    return results
