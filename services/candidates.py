"""A request's candidate helpers: who is in reach, may help, and is free to be asked; each
scored by `services.matching` with the reasons why.

Hot path: every query reads plain columns filtered by indexed ids or cell ids, a fixed number
of them however many candidates there are; offers are built as objects only for the page.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.categories import CATEGORY_BY_ID, RiskTier
from models.matches import Candidate
from models.offers import Offer, OfferPublic, OfferStatus
from models.posts import Availability, DistanceView, Visibility
from models.requests import Eligibility, HelpRequest, RequestStatus
from models.residents import Resident
from models.ties import MUTUAL_KINDS, Tie
from models.verifications import VerificationKind
from services import (
    bulk,
    circles,
    feeds,
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


# The statements every ranking runs, built once with their values bound per call: building
# SQL expressions afresh is a good part of a ranking's own CPU (profiled).
_OFFERS_IN_REACH = (
    select_columns(
        col(Offer.id),
        col(Offer.owner_id),
        col(Offer.cell),
        col(Offer.radius_m),
        col(Offer.availability),
        col(Offer.visibility),
    )
    .where(col(Offer.status) == OfferStatus.active)
    .where(col(Offer.category) == bindparam("category"))
    .where(col(Offer.cell).in_(bindparam("cells", expanding=True)))
    .where(col(Offer.expires_at) > bindparam("now"))
    .where(col(Offer.owner_id) != bindparam("requester"))
)


async def _offers_in_reach(
    session: AsyncSession, request: HelpRequest, reach: Reach, now: datetime
) -> dict[uuid.UUID, tuple[uuid.UUID, str, Any]]:
    """Per helper, their nearest open offer in the category that reaches the request and is
    shared with the requester: (offer id, cell, availability)."""
    connection = await session.connection()
    rows = await connection.execute(
        _OFFERS_IN_REACH,
        {
            "category": request.category,
            "cells": sorted(reach.cells),
            "now": now,
            "requester": request.owner_id,
        },
    )
    found = [row for row in rows.all() if reach.reaches(row.cell, row.radius_m)]
    shared = await _shared_with(session, request.owner_id, found)
    best: dict[uuid.UUID, tuple[uuid.UUID, str, Any]] = {}
    for offer_id, owner_id, cell, _radius, availability, _visibility in found:
        if offer_id not in shared:
            continue
        held = best.get(owner_id)
        if held is None or (reach.bucket(cell), offer_id) < (reach.bucket(held[1]), held[0]):
            best[owner_id] = (offer_id, cell, availability)
    return best


async def _shared_with(
    session: AsyncSession, requester_id: uuid.UUID, offers: list[Any]
) -> set[uuid.UUID]:
    """The offers whose audience holds the requester. Most are shared with anyone nearby;
    only the few shared with a circle need the (costlier) audience query."""
    shared = {row.id for row in offers if row.visibility == Visibility.nearby}
    narrower = [row.id for row in offers if row.visibility != Visibility.nearby]
    if narrower:
        held = await session.exec(
            select(Offer.id).where(col(Offer.id).in_(narrower)).where(_held_by_viewer()),
            params={"viewer": requester_id},
        )
        shared |= set(held.all())
    return shared


@cache
def _held_by_viewer() -> ColumnElement[bool]:
    """An offer's audience holds the viewer: built once, bound per call (as the feed's)."""
    return circles.audience_holds(feeds.VIEWER, Offer.visibility, Offer.owner_id)


def _known_in_reach(
    request: HelpRequest, reach: Reach, requester_ties: list[Any]
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
    session: AsyncSession, helper_id: uuid.UUID, request: HelpRequest, reach: Reach
) -> dict[uuid.UUID, str]:
    helper = await session.get(Resident, helper_id)
    if helper is None or helper.home_cell is None:
        return {}
    return (
        {helper_id: helper.home_cell} if reach.reaches(helper.home_cell, request.radius_m) else {}
    )


async def _in_audience(
    session: AsyncSession, request: HelpRequest, helpers: set[uuid.UUID]
) -> set[uuid.UUID]:
    """The helpers the request is shared with (its visibility, decided from the requester's
    side, as for the feed)."""
    if request.visibility == Visibility.nearby or not helpers:
        return helpers
    held = await session.exec(
        select(Tie.other_id).where(
            Tie.resident_id == request.owner_id, bulk.among(session, col(Tie.other_id), helpers)
        )
    )
    inside = set(held.all())
    if request.visibility == Visibility.circle_of_circle:
        rest = helpers - inside
        for helper in rest:
            shared = await session.exec(
                select(Resident.id).where(
                    Resident.id == helper,
                    circles.audience_holds(helper, Visibility.circle_of_circle, request.owner_id),
                )
            )
            if shared.first() is not None:
                inside.add(helper)
    return inside


async def _eligible(
    session: AsyncSession, request: HelpRequest, trusts: dict[uuid.UUID, Any]
) -> set[uuid.UUID]:
    helpers = set(trusts)
    tier = CATEGORY_BY_ID[request.category].risk_tier
    if request.eligibility == Eligibility.vetted:
        helpers = {h for h in helpers if trusts[h].badges}
    if tier == RiskTier.regulated:  # regulated activity with adults: the barred-list check
        helpers = {h for h in helpers if REGULATED_CHECK in trusts[h].badges}
    if request.eligibility == Eligibility.circle:
        held = await session.exec(
            select(Tie.other_id).where(
                Tie.resident_id == request.owner_id,
                bulk.among(session, col(Tie.other_id), helpers),
            )
        )
        helpers &= set(held.all())
    return helpers


async def rank(
    session: AsyncSession,
    request: HelpRequest,
    trust_settings: TrustSettings,
    weights: MatchingWeights,
    now: datetime,
    only: uuid.UUID | None = None,
    any_helper: bool = False,
) -> list[Ranked]:
    """Every candidate for the request, best first; or just `only`, if a candidate. With
    `any_helper` (someone volunteering), living in reach is enough, offer or none."""
    reach = Reach(request.cell, request.radius_m)
    with_offers = await _offers_in_reach(session, request, reach, now)
    # The requester's ties serve twice: whom they know nearby, and trust below.
    requester_ties = await trust.ties_of(session, request.owner_id)
    if any_helper and only is not None:
        known = await _home_in_reach(session, only, request, reach)
    else:
        known = _known_in_reach(request, reach, requester_ties)
    if only is not None:
        with_offers = {only: with_offers[only]} if only in with_offers else {}
        known = {only: known[only]} if only in known else {}
    cells = {helper: cell for helper, (_, cell, _) in with_offers.items()} | {
        helper: cell for helper, cell in known.items() if helper not in with_offers
    }
    records = await helper_records.records(session, request, set(cells) - {request.owner_id}, now)
    zones = await helper_records.free_to_ask(session, set(cells) - {request.owner_id}, records, now)
    helpers = await _in_audience(session, request, set(zones))
    # Blocked pairs, either way, are left out of the trust answer, so out of this one.
    trusts = await trust.trust_between(
        session, request.owner_id, helpers, trust_settings, ties.today(), requester_ties
    )
    helpers = await _eligible(session, request, trusts)
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
) -> Page[Candidate]:
    request = await request_for(session, viewer, request_id)
    now = utcnow()
    open_or_conflict(request, now)
    ranked = await rank(session, request, trust_settings, weights, now)
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
