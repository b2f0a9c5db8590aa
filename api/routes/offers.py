"""Offers: what residents can give."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.conditional import IfMatch, set_etag
from api.deps import CurrentResident, FeedSessionDep, IdempotencyKey, ReadsOffers, SessionDep
from api.errors import problems
from models.base import Page
from models.categories import Category
from models.offers import OfferCreate, OfferPublic, OfferUpdate
from models.posts import MAX_RADIUS_M, MIN_RADIUS_M
from services import idempotency, offers

router = APIRouter(prefix="/v1/offers", tags=["offers"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 409, 422))
async def create(
    data: OfferCreate,
    resident: CurrentResident,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> OfferPublic:
    """Offer help. It is placed at your home cell unless you give another point. Send an
    Idempotency-Key so that a retry after a dropped connection cannot post it twice."""
    offer, replayed = await idempotency.once(
        session,
        resident.id,
        idempotency_key,
        "offers-create",
        data,
        lambda: offers.create(session, resident, data),
        OfferPublic,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    set_etag(response, offer.version)
    return offer


@router.get("", responses=problems(401, 409, 422))
async def list_nearby(
    resident: ReadsOffers,
    session: FeedSessionDep,
    within_m: Annotated[int, Query(ge=MIN_RADIUS_M, le=MAX_RADIUS_M)] = 3000,
    category: Annotated[list[Category], Query(max_length=16)] = [],  # noqa: B006
    mine: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[OfferPublic]:
    """Offers in reach, nearest distance bucket first, then newest; or, with `mine=true`,
    your own in every state. Distances are buckets between cells, never exact."""
    return await offers.browse(
        session,
        resident,
        within_m=within_m,
        categories=category,
        mine=mine,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{offer_id}", responses=problems(401, 404))
async def read(
    offer_id: uuid.UUID, resident: ReadsOffers, session: SessionDep, response: Response
) -> OfferPublic:
    """One offer, with its ETag for a later PATCH or DELETE."""
    offer = await offers.read(session, resident, offer_id)
    set_etag(response, offer.version)
    return offer


@router.patch("/{offer_id}", responses=problems(401, 404, 412, 422, 428))
async def update(
    offer_id: uuid.UUID,
    data: OfferUpdate,
    resident: CurrentResident,
    if_match: IfMatch,  # after who is asking: a stranger gets 401, not 428
    session: SessionDep,
    response: Response,
) -> OfferPublic:
    """Change your offer. Needs If-Match with the ETag you last read."""
    offer = await offers.update_offer(session, resident, offer_id, data, if_match)
    set_etag(response, offer.version)
    return offer


@router.delete(
    "/{offer_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 412, 428),
)
async def withdraw(
    offer_id: uuid.UUID, resident: CurrentResident, if_match: IfMatch, session: SessionDep
) -> None:
    """Withdraw your offer: it closes and leaves every feed. Needs If-Match."""
    await offers.withdraw(session, resident, offer_id, if_match)
