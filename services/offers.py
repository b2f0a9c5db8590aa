"""Offers: post, edit (with If-Match), withdraw, and browse what is in reach."""

import uuid
from collections.abc import Sequence

from sqlalchemy.sql import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.categories import CATEGORY_BY_ID, Category, RiskTier
from models.offers import Offer, OfferCreate, OfferPublic, OfferStatus, OfferUpdate
from models.posts import Availability
from models.residents import Resident
from services import feeds, post_edits, posts
from services.errors import InvalidInput
from services.posts import VersionMatch

NOUN = "offer"


def public(offer: Offer, owner: Resident, viewer: Resident) -> OfferPublic:
    mine = offer.owner_id == viewer.id
    return OfferPublic(
        id=offer.id,
        owner=posts.owner_view(owner),
        mine=mine,
        category=offer.category,
        title=offer.title,
        details=offer.details,
        radius_m=offer.radius_m,
        availability=Availability.model_validate(offer.availability),
        visibility=offer.visibility,
        status=offer.status,
        expires_at=offer.expires_at,
        expired=offer.expires_at <= utcnow(),
        distance=posts.distance_view(viewer, offer.cell),
        cell=offer.cell if mine else None,
        version=offer.version,
        created_at=offer.created_at,
        updated_at=offer.updated_at,
    )


def _refuse_regulated(category: Category) -> None:
    if CATEGORY_BY_ID[category].risk_tier == RiskTier.regulated:
        raise InvalidInput(
            "Kith does not match personal care between neighbours. A community connector can "
            "point to local services.",
            field=("category",),
        )


async def create(session: AsyncSession, owner: Resident, data: OfferCreate) -> OfferPublic:
    _refuse_regulated(data.category)
    offer = Offer(
        owner_id=owner.id,
        category=data.category,
        title=data.title,
        details=data.details,
        cell=posts.place(owner, data.location),
        radius_m=data.radius_m,
        availability=data.availability.model_dump(mode="json"),
        visibility=data.visibility,
        expires_at=posts.expiry(data.expires_at),
    )
    session.add(offer)
    await session.flush()
    return public(offer, owner, owner)


async def read(session: AsyncSession, viewer: Resident, offer_id: uuid.UUID) -> OfferPublic:
    offer, owner = await post_edits.readable(
        session, Offer, viewer, offer_id, NOUN, OfferStatus.active
    )
    return public(offer, owner, viewer)


async def update_offer(
    session: AsyncSession,
    owner: Resident,
    offer_id: uuid.UUID,
    data: OfferUpdate,
    if_match: VersionMatch,
) -> OfferPublic:
    offer = await post_edits.owned(session, Offer, owner, offer_id, NOUN)
    values = post_edits.changed_values(owner, data)
    await post_edits.write(session, offer, if_match, values, NOUN)
    return public(offer, owner, owner)


async def withdraw(
    session: AsyncSession, owner: Resident, offer_id: uuid.UUID, if_match: VersionMatch
) -> None:
    """Close the offer: it leaves every feed; its owner still sees it in `mine`."""
    offer = await post_edits.owned(session, Offer, owner, offer_id, NOUN)
    await post_edits.write(session, offer, if_match, {"status": OfferStatus.closed}, NOUN)


async def browse(
    session: AsyncSession,
    viewer: Resident,
    *,
    within_m: int,
    categories: Sequence[Category],
    mine: bool,
    cursor: str | None,
    limit: int,
) -> Page[OfferPublic]:
    conditions: list[ColumnElement[bool]] = []
    if categories:
        conditions.append(col(Offer.category).in_(categories))
    rows, next_cursor = await feeds.browse(
        session,
        Offer,
        viewer,
        within_m=within_m,
        mine_only=mine,
        live=col(Offer.status) == OfferStatus.active,
        conditions=conditions,
        cursor=cursor,
        limit=limit,
    )
    return Page[OfferPublic](
        items=[public(offer, owner, viewer) for offer, owner in rows], next_cursor=next_cursor
    )
