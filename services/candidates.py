"""A request's candidate helpers: who is in reach, may help, and is free to be asked; each
scored by `services.matching` with the reasons why.

Hot path: every query reads plain columns filtered by indexed ids or cell ids, a fixed number
of them however many candidates there are; offers are built as objects only for the page.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.categories import CATEGORY_BY_ID, RiskTier
from models.matches import Candidate
from models.offers import Offer, OfferPublic
from models.posts import Availability, DistanceView, Visibility
from models.requests import Eligibility, HelpRequest, RequestStatus
from models.residents import Resident
from models.ties import MUTUAL_KINDS
from models.verifications import VerificationKind
from services import (
    bulk,
    geo,
    helper_records,
    matching,
    names,
    neighbourhoods,
    offers,
    ties,
    trust,
)
from services.errors import Conflict, NotFound
from services.matching import Facts, MatchingWeights, Scored
from services.posts import FeedKey, Reach, paginate
from services.rank_reads import RankReads
from services.sql_reads import SqlRankReads
from services.trust import TrustSettings

REGULATED_CHECK = VerificationKind.dbs_enhanced_barred_adults


@dataclass(frozen=True)
class Ranked:
    scored: Scored
    offer_id: uuid.UUID | None


async def request_for(
    session: AsyncSession, viewer: Resident, request_id: uuid.UUID
) -> HelpRequest:
    """The request, for its requester or a connector of where it is; 404 for anyone else."""
    request = await session.get(HelpRequest, request_id)
    if request is None or not (
        request.owner_id == viewer.id
        or await neighbourhoods.connects_at(session, viewer.id, request.cell)
    ):
        raise NotFound("No such request.")
    return request


def open_or_conflict(request: HelpRequest, now: datetime) -> None:
    if request.status != RequestStatus.open or request.expires_at <= now:
        shown = RequestStatus.expired if request.status == RequestStatus.open else request.status
        raise Conflict(f"This request is {shown.value}: it takes no new helpers.")


async def _offers_in_reach(
    reads: RankReads, request: HelpRequest, reach: Reach, now: datetime
) -> dict[uuid.UUID, tuple[uuid.UUID, str, Any]]:
    """Per helper, their nearest open offer in the category that reaches the request and is
    shared with the requester: (offer id, cell, availability)."""
    rows = await reads.offers_in_reach(request, reach.cells, now)
    found = [row for row in rows if reach.reaches(row.cell, row.radius_m)]
    # Most offers are shared with anyone nearby; only the few shared with a circle need the
    # (costlier) audience check.
    shared = {row.id for row in found if row.visibility == Visibility.nearby}
    narrower = [row.id for row in found if row.visibility != Visibility.nearby]
    if narrower:
        shared |= await reads.offers_shared_with(request.owner_id, narrower)
    best: dict[uuid.UUID, tuple[uuid.UUID, str, Any]] = {}
    for row in found:
        if row.id not in shared:
            continue
        held = best.get(row.owner_id)
        if held is None or (reach.bucket(row.cell), row.id) < (reach.bucket(held[1]), held[0]):
            best[row.owner_id] = (row.id, row.cell, row.availability)
    return best


def _known_in_reach(
    request: HelpRequest, reach: Reach, requester_ties: Sequence[Any]
) -> dict[uuid.UUID, str]:
    """People the requester knows (a mutual tie) living in reach: they may help without an
    offer. Strangers without an offer are never asked unbidden."""
    return {
        tie.other_id: tie.home_cell
        for tie in requester_ties
        if tie.kind in MUTUAL_KINDS
        and tie.home_cell is not None
        and tie.home_cell in reach.cells
        and reach.reaches(tie.home_cell, request.radius_m)
    }


async def _home_in_reach(
    reads: RankReads, helper_id: uuid.UUID, request: HelpRequest, reach: Reach
) -> dict[uuid.UUID, str]:
    home = await reads.home_cell(helper_id)
    if home is None:
        return {}
    return {helper_id: home} if reach.reaches(home, request.radius_m) else {}


async def _in_audience(
    reads: RankReads, request: HelpRequest, helpers: set[uuid.UUID]
) -> set[uuid.UUID]:
    """The helpers the request is shared with (its visibility, decided from the requester's
    side, as for the feed)."""
    if request.visibility == Visibility.nearby or not helpers:
        return helpers
    inside = await reads.tied_from(request.owner_id, helpers)
    if request.visibility == Visibility.circle_of_circle:
        for helper in sorted(helpers - inside):
            if await reads.held_through_one(request.owner_id, helper):
                inside.add(helper)
    return inside


async def _eligible(
    reads: RankReads, request: HelpRequest, trusts: dict[uuid.UUID, Any]
) -> set[uuid.UUID]:
    helpers = set(trusts)
    tier = CATEGORY_BY_ID[request.category].risk_tier
    if request.eligibility == Eligibility.vetted:
        helpers = {h for h in helpers if trusts[h].badges}
    if tier == RiskTier.regulated:  # regulated activity with adults: the barred-list check
        helpers = {h for h in helpers if REGULATED_CHECK in trusts[h].badges}
    if request.eligibility == Eligibility.circle:
        helpers &= await reads.tied_from(request.owner_id, helpers)
    return helpers


async def rank(
    session: AsyncSession,
    request: HelpRequest,
    trust_settings: TrustSettings,
    weights: MatchingWeights,
    now: datetime,
    only: uuid.UUID | None = None,
    any_helper: bool = False,
    reads: RankReads | None = None,
) -> list[Ranked]:
    """Every candidate for the request, best first; or just `only`, if a candidate. With
    `any_helper` (someone volunteering), living in reach is enough, offer or none. `reads`:
    where the facts come from, the database unless a replica's read model is given."""
    reads = reads or SqlRankReads(session)
    reach = Reach(request.cell, request.radius_m)
    with_offers = await _offers_in_reach(reads, request, reach, now)
    # The requester's ties serve twice: whom they know nearby, and trust below.
    requester_ties = await reads.ties_of(request.owner_id)
    if any_helper and only is not None:
        known = await _home_in_reach(reads, only, request, reach)
    else:
        known = _known_in_reach(request, reach, requester_ties)
    if only is not None:
        with_offers = {only: with_offers[only]} if only in with_offers else {}
        known = {only: known[only]} if only in known else {}
    cells = {helper: cell for helper, (_, cell, _) in with_offers.items()} | {
        helper: cell for helper, cell in known.items() if helper not in with_offers
    }
    possible = set(cells) - {request.owner_id}
    records = await reads.records(request, possible, now) if possible else {}
    people = await reads.active_people(possible) if possible else []
    zones = helper_records.free_to_ask(people, records, now)
    helpers = await _in_audience(reads, request, set(zones))
    # Blocked pairs, either way, are left out of the trust answer, so out of this one.
    trusts = await trust.trust_between(
        session, request.owner_id, helpers, trust_settings, ties.today(), requester_ties, reads
    )
    helpers = await _eligible(reads, request, trusts)
    ranked = []
    for helper in helpers:
        offer = with_offers.get(helper)
        offered = Availability.model_validate(offer[2]) if offer else None
        bucket, label = geo.distance_bucket(reach.distance_m(cells[helper]))
        facts = Facts(
            helper_id=helper,
            bucket_km=bucket,
            distance_label=label,
            trust=trusts[helper],
            availability=matching.availability_fit(offered, request.needed_by, now, zones[helper]),
            helped=records.get(helper, helper_records.NO_RECORD).helped,
            asked=records.get(helper, helper_records.NO_RECORD).asked,
            has_offer=offer is not None,
        )
        ranked.append(Ranked(matching.score(facts, weights), offer[0] if offer else None))
    return sorted(ranked, key=lambda r: r.scored.order)


async def candidates(
    session: AsyncSession,
    viewer: Resident,
    request_id: uuid.UUID,
    trust_settings: TrustSettings,
    weights: MatchingWeights,
    cursor: str | None,
    limit: int,
    reads: RankReads | None = None,
) -> Page[Candidate]:
    """`reads`: a replica's read model to rank from, if it has one (the request itself, and
    the page's offers, are read from the database either way)."""
    request = await request_for(session, viewer, request_id)
    now = utcnow()
    open_or_conflict(request, now)
    ranked = await rank(session, request, trust_settings, weights, now, reads=reads)
    # Paged on the ranking itself: (minus the score, bucket, id) in FeedKey's three slots.
    keyed = [
        (
            FeedKey(
                0, -r.scored.score, f"{r.scored.facts.bucket_km:04d}/{r.scored.facts.helper_id}"
            ),
            r,
        )
        for r in ranked
    ]
    page, next_cursor = paginate(keyed, cursor, limit)
    return Page[Candidate](
        items=await _described(session, request, viewer, page), next_cursor=next_cursor
    )


async def _described(
    session: AsyncSession, request: HelpRequest, viewer: Resident, page: list[Ranked]
) -> list[Candidate]:
    offer_ids = [r.offer_id for r in page if r.offer_id]
    loaded: dict[uuid.UUID, OfferPublic] = {}
    known: dict[uuid.UUID, str] = {}
    if offer_ids:
        found = await session.exec(
            select(Offer, Resident)
            .join(Resident, col(Resident.id) == Offer.owner_id)
            .where(bulk.among(session, col(Offer.id), offer_ids))
        )
        for offer, owner in found.all():
            loaded[offer.id] = offers.public(offer, owner, viewer)
            known[owner.id] = owner.display_name
    # Names come with the offers; candidates without one (people the requester knows) are
    # looked up on their own.
    unnamed = {r.scored.facts.helper_id for r in page} - known.keys()
    known |= await names.names(session, unnamed)
    described = []
    for r in page:
        facts = r.scored.facts
        described.append(
            Candidate(
                helper=names.ref(facts.helper_id, known),
                score=matching.shown(r.scored.score),
                distance=DistanceView(bucket_km=facts.bucket_km, label=facts.distance_label),
                offer=loaded.get(r.offer_id) if r.offer_id else None,
                reasons=r.scored.reasons,
            )
        )
    return described
