"""Ranking's reads (services/rank_reads.py) answered from a replica's read model, with the
same filters as the SQL in services/sql_reads.py and services/trust.py, one for one."""

import uuid
from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any, NamedTuple

from models.matches import MatchOrigin, MatchStatus
from models.posts import Visibility
from models.requests import HelpRequest
from models.residents import ResidentStatus
from models.ties import MUTUAL_KINDS, TieKind
from models.verifications import VerificationKind
from services import trust, verifications
from services.helper_records import RECENT, YEAR, Record
from services.read_model import OfferFacts, ReadModel


class TieRow(NamedTuple):
    """A tie as `ties_of` gives it: the tie, and the other person's name, status and home."""

    other_id: uuid.UUID
    kind: TieKind
    times: int
    since: datetime
    last_at: datetime
    context: str | None
    display_name: str
    status: ResidentStatus
    home_cell: str | None


class PersonRow(NamedTuple):
    id: uuid.UUID
    weekly_help_cap: int
    quiet_from: str | None
    quiet_until: str | None
    timezone: str


class ModelReads:
    def __init__(self, model: ReadModel) -> None:
        self.model = model

    # Trust's reads.

    async def hidden_from(self, viewer_id: uuid.UUID) -> set[uuid.UUID]:
        return set(self.model.blocks.get(viewer_id, ()))

    async def ties_of(self, viewer_id: uuid.UUID) -> list[TieRow]:
        rows = []
        for tie in self.model.ties.get(viewer_id, ()):
            other = self.model.residents.get(tie.other_id)
            if other is not None:  # the SQL joins the other's resident row
                rows.append(TieRow(*tie, other.display_name, other.status, other.home_cell))
        return rows

    async def path_legs(
        self, mutuals: Collection[uuid.UUID], wanted: Collection[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID, Any, int, datetime]]:
        wanted = set(wanted)
        return [
            (mutual, tie.other_id, tie.kind, tie.times, tie.last_at)
            for mutual in mutuals
            for tie in self.model.ties.get(mutual, ())
            if tie.kind in MUTUAL_KINDS
            and tie.other_id in wanted
            and not self.model.blocked(mutual, tie.other_id)
        ]

    async def vouch_counts(
        self, candidates: Collection[uuid.UUID]
    ) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
        residents = self.model.residents
        return trust.tallied(
            (vouch.voucher_id, vouchee, vouch.by_connector)
            for vouchee in candidates
            for vouch in self.model.vouches.get(vouchee, ())
            # As the SQL: only a voucher known to be inactive is left out.
            if vouch.voucher_id not in residents
            or residents[vouch.voucher_id].status == ResidentStatus.active
        )

    async def verifications(
        self, candidates: Collection[uuid.UUID], at: datetime
    ) -> dict[uuid.UUID, dict[VerificationKind, date | None]]:
        on = at.date()
        return verifications.folded(
            (resident, check.kind, check.expires_on)
            for resident in candidates
            for check in self.model.checks.get(resident, ())
            if check.issued_on <= on and (check.expires_on is None or check.expires_on >= on)
        )

    # The rest of ranking's reads.

    async def offers_in_reach(
        self, request: HelpRequest, cells: Collection[str], now: datetime
    ) -> list[OfferFacts]:
        return list(self._offers_in(request.category, cells, request.owner_id, now))

    def _offers_in(
        self, category: str, cells: Collection[str], requester: uuid.UUID, now: datetime
    ) -> Iterator[OfferFacts]:
        offers, offers_at = self.model.offers, self.model.offers_at
        for cell in cells:
            for offer_id in offers_at.get((category, cell), ()):
                offer = offers[offer_id]
                if offer.expires_at > now and offer.owner_id != requester:
                    yield offer

    async def offers_shared_with(
        self, viewer_id: uuid.UUID, offer_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        return {
            offer_id
            for offer_id in offer_ids
            if (offer := self.model.offers.get(offer_id)) is not None
            and self._audience_holds(viewer_id, offer.visibility, offer.owner_id)
        }

    async def home_cell(self, resident_id: uuid.UUID) -> str | None:
        facts = self.model.residents.get(resident_id)
        return facts.home_cell if facts is not None else None

    async def records(
        self, request: HelpRequest, helpers: Collection[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, Record]:
        week_ago, year_ago = now - RECENT, now - YEAR
        found = {}
        for helper in helpers:
            matches = self.model.matches.get(helper)
            if not matches:
                continue
            found[helper] = Record(
                taken_on=sum(
                    1 for m in matches if m.accepted_at is not None and m.accepted_at >= week_ago
                ),
                asked=sum(
                    1
                    for m in matches
                    if m.created_at >= week_ago and m.origin != MatchOrigin.helper
                ),
                helped=len(
                    {
                        m.requester_id
                        for m in matches
                        if m.status == MatchStatus.completed
                        and m.closed_at is not None
                        and m.closed_at >= year_ago
                    }
                ),
                asked_for_this=any(m.request_id == request.id for m in matches),
            )
        return found

    async def active_people(self, helpers: Collection[uuid.UUID]) -> list[PersonRow]:
        people = []
        for helper in helpers:
            facts = self.model.residents.get(helper)
            if facts is not None and facts.status == ResidentStatus.active:
                people.append(
                    PersonRow(
                        helper,
                        facts.weekly_help_cap,
                        facts.quiet_from,
                        facts.quiet_until,
                        facts.timezone,
                    )
                )
        return people

    async def tied_from(self, owner_id: uuid.UUID, others: Collection[uuid.UUID]) -> set[uuid.UUID]:
        return {tie.other_id for tie in self.model.ties.get(owner_id, ()) if tie.other_id in others}

    async def held_through_one(self, owner_id: uuid.UUID, viewer_id: uuid.UUID) -> bool:
        return viewer_id in self.model.residents and self._audience_holds(
            viewer_id, Visibility.circle_of_circle, owner_id
        )

    def _audience_holds(self, viewer: uuid.UUID, visibility: Visibility, owner: uuid.UUID) -> bool:
        """circles.audience_holds, over the tie graph held in memory."""
        if visibility == Visibility.nearby or owner == viewer:
            return True
        if self.model.holds_tie(owner, viewer):
            return True
        return visibility == Visibility.circle_of_circle and self._through_one(owner, viewer)

    def _through_one(self, owner: uuid.UUID, viewer: uuid.UUID) -> bool:
        """The owner holds a tie with an active bridge, blocked with neither of them, who
        holds one with the viewer."""
        model = self.model
        return any(
            model.holds_tie(tie.other_id, viewer)
            and model.is_active(tie.other_id)
            and not model.blocked(owner, tie.other_id)
            and not model.blocked(tie.other_id, viewer)
            for tie in model.ties.get(owner, ())
        )
