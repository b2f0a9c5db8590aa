"""Trust between a viewer and candidates: how well they are joined, and why, in plain words.

The score, in [0, 1], is deterministic for the same data and date:
- the direct tie's strength as the viewer holds it (their own vouch counts; a vouch *for*
  the viewer does not, since anyone may make one), else the best two-hop path through
  someone both have a mutual tie with (damped: the two strengths times `two_hop_damping`);
- raised by live vouches (a connector's counts more) and by current verifications, each
  capped, so that endorsements alone (at most 0.48) stay below a fresh connection (0.6).
Pairs blocked either way are left out of the answer altogether. The score is for ranking:
shown exactly, with the viewer's own tie strengths beside it, it would let them work out the
strength of other people's ties, so residents should only ever see it coarsened.

Built to score a batch (hundreds of candidates) in a fixed number of queries: the viewer's
ties, the paths through them, blocks, vouches and verifications.
"""

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, or_
from sqlalchemy import select as select_columns  # typed for any number of columns
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident, ResidentStatus
from models.ties import MUTUAL_KINDS, Tie, TieKind
from models.trust import Block
from models.verifications import BADGE_LABELS, VerificationKind
from models.vouches import Vouch
from services import blocks, bulk, ties, verifications
from services.trust_reads import TrustReads

RESIDENT_VOUCH = 0.1
CONNECTOR_VOUCH = 0.3
VOUCH_CAP = 0.35
VERIFICATION = 0.1
VERIFICATION_CAP = 0.2
PROBES_IN_SQL = 2000


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
    # (kind, words): kind is one of "tie", "mutual", "vouched", "verified".
    explained: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [words for _, words in self.explained]


def _score(trust: Trust) -> float:
    vouched = (
        1
        - (1 - RESIDENT_VOUCH) ** trust.resident_vouches
        * (1 - CONNECTOR_VOUCH) ** trust.connector_vouches
    )
    verified = 1 - (1 - VERIFICATION) ** len(trust.badges)
    endorsed = ties.combined([min(vouched, VOUCH_CAP), min(verified, VERIFICATION_CAP)])
    return ties.combined([max(trust.direct, trust.via), endorsed])


# Statements every ranking runs, built once (per dialect where ids go in a list) with their
# values bound per call: building SQL expressions afresh costs a ranking more than it seems.
_BLOCKS_OF = select_columns(col(Block.blocker_id), col(Block.blocked_id)).where(
    or_(col(Block.blocker_id) == bindparam("viewer"), col(Block.blocked_id) == bindparam("viewer"))
)
_TIES_OF = (
    select_columns(
        *map(col, (Tie.other_id, Tie.kind, Tie.times, Tie.since, Tie.last_at, Tie.context)),
        col(Resident.display_name),
        col(Resident.status),
        col(Resident.home_cell),
    )
    .join(Resident, col(Resident.id) == Tie.other_id)
    .where(col(Tie.resident_id) == bindparam("viewer"))
)


@cache
def _paths_query(dialect: str, pick_candidates: bool) -> Any:
    mutual, candidate = col(Tie.resident_id), col(Tie.other_id)
    query = select_columns(
        mutual, candidate, col(Tie.kind), col(Tie.times), col(Tie.last_at)
    ).where(
        bulk.among_bound(dialect, mutual, "mutuals"),
        col(Tie.kind).in_(MUTUAL_KINDS),  # "you both know": ties both people chose
        ~blocks.block_between(mutual, candidate),
    )
    if pick_candidates:
        query = query.where(bulk.among_bound(dialect, candidate, "wanted"))
    return query


@cache
def _live_vouches_for(dialect: str) -> Any:
    # No join to resident: with hundreds of ids PostgreSQL would hash-join the whole table;
    # the few vouchers are checked in a second, indexed query instead.
    return (
        select_columns(col(Vouch.voucher_id), col(Vouch.vouchee_id), col(Vouch.by_connector))
        .where(bulk.among_bound(dialect, Vouch.vouchee_id, "candidates"))
        .where(col(Vouch.revoked_at).is_(None))
    )


class SqlTrustReads:
    """Trust's reads from the database: a fixed number of indexed statements per batch."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hidden_from(self, viewer_id: uuid.UUID) -> set[uuid.UUID]:
        connection = await self.session.connection()
        rows = await connection.execute(_BLOCKS_OF, {"viewer": viewer_id})
        return {b if a == viewer_id else a for a, b in rows.all()}

    async def ties_of(self, viewer_id: uuid.UUID) -> list[Any]:
        connection = await self.session.connection()  # core rows: no ORM objects here
        rows = await connection.execute(_TIES_OF, {"viewer": viewer_id})
        return list(rows.all())

    async def path_legs(
        self, mutuals: Collection[uuid.UUID], wanted: Collection[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID, Any, int, datetime]]:
        wanted = set(wanted)
        # Few candidates: let the index pick them out. Many: read the mutuals' ranges and
        # pick them out here, since two IN lists make the engine probe every pair.
        pick = len(wanted) * len(mutuals) <= PROBES_IN_SQL
        connection = await self.session.connection()
        rows = await connection.execute(
            _paths_query(bulk.dialect(self.session), pick),
            {"mutuals": list(mutuals), "wanted": list(wanted)}
            if pick
            else {"mutuals": list(mutuals)},
        )
        return [
            (via, to, kind, times, last_at)
            for via, to, kind, times, last_at in rows.all()
            if to in wanted
        ]

    async def vouch_counts(
        self, candidates: Collection[uuid.UUID]
    ) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
        connection = await self.session.connection()
        rows = (
            await connection.execute(
                _live_vouches_for(bulk.dialect(self.session)), {"candidates": list(candidates)}
            )
        ).all()
        vouchers = {voucher for voucher, _, _ in rows}
        inactive = set(
            (
                await connection.execute(
                    select_columns(col(Resident.id))
                    .where(bulk.among(self.session, Resident.id, vouchers))
                    .where(col(Resident.status) != ResidentStatus.active)
                )
            )
            .scalars()
            .all()
            if vouchers
            else ()
        )
        return tallied(row for row in rows if row[0] not in inactive)

    async def verifications(
        self, candidates: Collection[uuid.UUID], at: datetime
    ) -> dict[uuid.UUID, dict[VerificationKind, date | None]]:
        return await verifications.current(self.session, candidates, at)


def tallied(
    vouches: Iterable[tuple[uuid.UUID, uuid.UUID, bool]],
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Live vouches (voucher, vouchee, by_connector) counted per vouchee, by kind of voucher."""
    by_residents: dict[uuid.UUID, int] = {}
    by_connectors: dict[uuid.UUID, int] = {}
    for _voucher, vouchee, by_connector in vouches:
        tally = by_connectors if by_connector else by_residents
        tally[vouchee] = tally.get(vouchee, 0) + 1
    return by_residents, by_connectors


def _best_paths(
    legs_found: Iterable[tuple[uuid.UUID, uuid.UUID, Any, int, datetime]],
    mutuals: dict[uuid.UUID, tuple[float, str]],
    settings: TrustSettings,
    at: datetime,
) -> dict[uuid.UUID, tuple[float, str]]:
    """For each candidate, the strongest path viewer - mutual - candidate and the mutual's
    name. `mutuals` are the viewer's usable mutual ties (active, unblocked) with their
    strength; a mutual and candidate blocked either way have no path between them."""
    decay = settings.decay
    legs: dict[tuple[uuid.UUID, uuid.UUID], list[float]] = {}
    for via, to, kind, times, last_at in legs_found:
        legs.setdefault((via, to), []).append(decay.strength(kind, times, last_at, at))
    best: dict[uuid.UUID, tuple[float, str]] = {}
    for (via, to), strengths in sorted(legs.items()):
        first_leg, name = mutuals[via]
        path = settings.two_hop_damping * first_leg * ties.combined(sorted(strengths))
        if to not in best or path > best[to][0]:
            best[to] = (path, name)
    return best


def _direct_reasons(kinds: list[TieKind], met_context: str | None, met_count: int) -> list[str]:
    reasons = []
    if TieKind.connected in kinds:
        reasons.append("you are connected")
    if TieKind.vouched in kinds:  # held on the voucher's side: the viewer's own vouch
        reasons.append("you vouched for them")
    if TieKind.met in kinds:
        if met_count > 1:
            reasons.append(f"you have met at {met_count} events")
        elif met_context:  # e.g. "Tuesday supper on 9 Mar 2027"
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
    viewer_ties: Sequence[Any] | None = None,
    reads: TrustReads | None = None,
) -> dict[uuid.UUID, Trust]:
    """Trust from the viewer's side for each candidate; blocked pairs are absent.
    `viewer_ties`: the rows `ties_of` gives, where the caller has them already. `reads`:
    where the facts come from (the database unless a read model is given)."""
    reads = reads or SqlTrustReads(session)
    candidates = set(candidate_ids) - {viewer_id}
    if not candidates:
        return {}
    hidden = await reads.hidden_from(viewer_id)
    candidates -= hidden
    my_rows = viewer_ties if viewer_ties is not None else await reads.ties_of(viewer_id)
    mine = ties.summarise(my_rows, settings.decay, at)
    mutual_rows = [
        row
        for row in my_rows
        if row.kind in MUTUAL_KINDS
        and row.status == ResidentStatus.active
        and row.other_id not in hidden
    ]
    bridges = ties.summarise(mutual_rows, settings.decay, at)
    usable = {
        row.other_id: (bridges[row.other_id].strength, row.display_name) for row in mutual_rows
    }
    met = {row.other_id: (row.context, row.times) for row in my_rows if row.kind == TieKind.met}
    legs = await reads.path_legs(list(usable), candidates) if usable else []
    paths = _best_paths(legs, usable, settings, at)
    by_residents, by_connectors = await reads.vouch_counts(candidates)
    in_force = await reads.verifications(candidates, at)

    results: dict[uuid.UUID, Trust] = {}
    for candidate in sorted(candidates):
        trust = Trust()
        if candidate in mine:
            trust.direct = mine[candidate].strength
            trust.direct_kinds = mine[candidate].kinds
            context, count = met.get(candidate, (None, 0))
            trust.explained += [
                ("tie", words) for words in _direct_reasons(trust.direct_kinds, context, count)
            ]
        elif candidate in paths:
            trust.via, trust.via_name = paths[candidate]
            trust.explained.append(("mutual", f"you both know {trust.via_name}"))
        trust.resident_vouches = by_residents.get(candidate, 0)
        trust.connector_vouches = by_connectors.get(candidate, 0)
        if trust.connector_vouches:
            trust.explained.append(("vouched", "vouched for by a connector"))
        if trust.resident_vouches:
            plural = "s" if trust.resident_vouches > 1 else ""
            trust.explained.append(
                ("vouched", f"vouched for by {trust.resident_vouches} neighbour{plural}")
            )
        trust.badges = sorted(in_force.get(candidate, {}))
        trust.explained += [("verified", BADGE_LABELS[kind]) for kind in trust.badges]
        trust.score = round(_score(trust), 6)
        results[candidate] = trust
    return results
