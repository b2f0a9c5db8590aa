"""A replica's in-memory copy of what ranking reads: residents, live offers indexed by
(category, cell), the tie graph both ways, blocks, live vouches, checks, and each helper's
matches. Facts only, no decisions: time windows (expiry, this week, this year) are applied
when it is read (services/read_model_reads.py), exactly as the SQL applies them, so a copy
that is up to date answers as the database would at any moment.

Filled and kept fresh by services/read_model_sync.py, which replaces everything held under
one key (an offer, a resident's ties, a helper's matches) at a time: `put_*` take the rows as
the database now has them for that key, an empty list meaning there are none.
"""

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from models.matches import MatchOrigin, MatchStatus
from models.posts import Visibility
from models.residents import ResidentStatus
from models.ties import TieKind
from models.verifications import VerificationKind

K = TypeVar("K")
V = TypeVar("V")


class ResidentFacts(NamedTuple):
    status: ResidentStatus
    weekly_help_cap: int
    quiet_from: str | None
    quiet_until: str | None
    timezone: str
    home_cell: str | None
    display_name: str


class OfferFacts(NamedTuple):
    id: uuid.UUID
    owner_id: uuid.UUID
    cell: str
    radius_m: int
    availability: Any
    visibility: Visibility
    category: str
    expires_at: datetime


class TieFacts(NamedTuple):
    other_id: uuid.UUID
    kind: TieKind
    times: int
    since: datetime
    last_at: datetime
    context: str | None


class VouchFacts(NamedTuple):  # live ones only: a revoked vouch is not kept
    voucher_id: uuid.UUID
    by_connector: bool


class CheckFacts(NamedTuple):
    kind: VerificationKind
    issued_on: date
    expires_on: date | None


class MatchFacts(NamedTuple):
    request_id: uuid.UUID
    requester_id: uuid.UUID
    origin: MatchOrigin
    status: MatchStatus
    created_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None


class ReadModel:
    def __init__(self) -> None:
        self.residents: dict[uuid.UUID, ResidentFacts] = {}
        self.offers: dict[uuid.UUID, OfferFacts] = {}  # active ones (expired or not)
        self.offers_at: dict[tuple[str, str], set[uuid.UUID]] = {}  # (category, cell)
        self.ties: dict[uuid.UUID, tuple[TieFacts, ...]] = {}  # as the holder holds them
        self.held_by: dict[uuid.UUID, set[uuid.UUID]] = {}  # who holds a tie with someone
        self.blocks: dict[uuid.UUID, frozenset[uuid.UUID]] = {}  # either way
        self.vouches: dict[uuid.UUID, tuple[VouchFacts, ...]] = {}  # by vouchee
        self.checks: dict[uuid.UUID, tuple[CheckFacts, ...]] = {}
        self.matches: dict[uuid.UUID, tuple[MatchFacts, ...]] = {}  # by helper

    def put_resident(self, resident_id: uuid.UUID, facts: ResidentFacts | None) -> None:
        if facts is None:
            self.residents.pop(resident_id, None)
        else:
            self.residents[resident_id] = facts

    def put_offer(self, offer_id: uuid.UUID, facts: OfferFacts | None) -> None:
        """An active offer (expired or not), or None: gone, or no longer active."""
        held = self.offers.pop(offer_id, None)
        if held is not None:
            at = self.offers_at.get((held.category, held.cell))
            if at is not None:
                at.discard(offer_id)
                if not at:
                    del self.offers_at[(held.category, held.cell)]
        if facts is not None:
            self.offers[offer_id] = facts
            self.offers_at.setdefault((facts.category, facts.cell), set()).add(offer_id)

    def put_ties(self, holder: uuid.UUID, rows: Iterable[TieFacts]) -> None:
        held = tuple(rows)
        for old in self.ties.pop(holder, ()):
            holders = self.held_by.get(old.other_id)
            if holders is not None:
                holders.discard(holder)
                if not holders:
                    del self.held_by[old.other_id]
        if held:
            self.ties[holder] = held
            for tie in held:
                self.held_by.setdefault(tie.other_id, set()).add(holder)

    def put_blocks(self, resident_id: uuid.UUID, others: Iterable[uuid.UUID]) -> None:
        """Everyone on the other side of a block with the resident, either way."""
        either_way = frozenset(others)
        if either_way:
            self.blocks[resident_id] = either_way
        else:
            self.blocks.pop(resident_id, None)

    def put_vouches(self, vouchee: uuid.UUID, rows: Iterable[VouchFacts]) -> None:
        _put(self.vouches, vouchee, rows)

    def put_checks(self, resident_id: uuid.UUID, rows: Iterable[CheckFacts]) -> None:
        _put(self.checks, resident_id, rows)

    def put_matches(self, helper: uuid.UUID, rows: Iterable[MatchFacts]) -> None:
        _put(self.matches, helper, rows)

    def blocked(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        return b in self.blocks.get(a, ())

    def holds_tie(self, holder: uuid.UUID, other: uuid.UUID) -> bool:
        return holder in self.held_by.get(other, ())

    def is_active(self, resident_id: uuid.UUID) -> bool:
        facts = self.residents.get(resident_id)
        return facts is not None and facts.status == ResidentStatus.active

    def size(self) -> dict[str, int]:
        """How much is held, for logs and the benchmark."""
        return {
            "residents": len(self.residents),
            "offers": len(self.offers),
            "ties": sum(map(len, self.ties.values())),
            "blocked": len(self.blocks),
            "vouched": len(self.vouches),
            "checked": len(self.checks),
            "matches": sum(map(len, self.matches.values())),
        }


class Shared:
    """One object for each distinct value met while loading. A city's facts repeat the same
    ids, cells, time zones and dates millions of times: held once each, the
    model of a 100k-resident city takes far less memory (benchmarks/README.md)."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def row(self, row: Iterable[Any]) -> tuple[Any, ...]:
        return tuple(map(self.value, row))

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | Enum | dict | list):
            return value  # small, or a singleton already, or JSON (not hashable)
        return self._seen.setdefault(value, value)


def _put(held: dict[K, tuple[V, ...]], key: K, rows: Iterable[V]) -> None:
    found = tuple(rows)
    if found:
        held[key] = found
    else:
        held.pop(key, None)
