"""Help requests: ask, edit (with If-Match), cancel, and browse what neighbours need."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.sql import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.categories import CATEGORY_BY_ID, Category, RiskTier
from models.posts import Availability
from models.requests import (
    Eligibility,
    HelpRequest,
    HelpRequestCreate,
    HelpRequestPublic,
    HelpRequestUpdate,
    RequestStatus,
    Urgency,
)
from models.residents import Resident
from models.webhooks import WebhookEventType
from services import alerts, feeds, post_edits, posts, webhooks
from services.errors import InvalidInput
from services.posts import VersionMatch

NOUN = "request"


def public(request: HelpRequest, owner: Resident, viewer: Resident) -> HelpRequestPublic:
    mine = request.owner_id == viewer.id
    expired = request.expires_at <= utcnow()
    # Expiry is read at the time of asking, so no sweeper has to run for it to be true.
    status = (
        RequestStatus.expired
        if expired and request.status == RequestStatus.open
        else (request.status)
    )
    return HelpRequestPublic(
        id=request.id,
        owner=posts.owner_view(owner),
        mine=mine,
        category=request.category,
        title=request.title,
        details=request.details,
        radius_m=request.radius_m,
        availability=Availability.model_validate(request.availability),
        visibility=request.visibility,
        urgency=request.urgency,
        needed_by=request.needed_by,
        helpers_needed=request.helpers_needed,
        eligibility=request.eligibility,
        status=status,
        expires_at=request.expires_at,
        expired=expired,
        distance=posts.distance_view(viewer, request.cell),
        cell=request.cell if mine else None,
        version=request.version,
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


def _eligibility(category: Category, chosen: Eligibility) -> Eligibility:
    # Regulated care is never arranged peer to peer: a connector signposts or arranges it.
    if CATEGORY_BY_ID[category].risk_tier == RiskTier.regulated:
        return Eligibility.via_connector
    return chosen


def _needed_by(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput("needed_by needs a time zone offset.", field=("needed_by",))
    if value <= utcnow():
        raise InvalidInput("needed_by must be in the future.", field=("needed_by",))
    return value


async def create(
    session: AsyncSession, owner: Resident, data: HelpRequestCreate, alerting: alerts.Alerting
) -> HelpRequestPublic:
    """Post it, and send its first wave of alerts."""
    request = HelpRequest(
        owner_id=owner.id,
        category=data.category,
        title=data.title,
        details=data.details,
        cell=posts.place(owner, data.location),
        radius_m=data.radius_m,
        availability=data.availability.model_dump(mode="json"),
        visibility=data.visibility,
        urgency=data.urgency,
        needed_by=_needed_by(data.needed_by),
        helpers_needed=data.helpers_needed,
        eligibility=_eligibility(data.category, data.eligibility),
        expires_at=posts.expiry(data.expires_at),
    )
    session.add(request)
    await session.flush()
    await webhooks.emit(session, WebhookEventType.request_created, request_id=request.id)
    await alerts.begin(session, request, request.created_at, alerting)
    return public(request, owner, owner)


async def read(session: AsyncSession, viewer: Resident, request_id: uuid.UUID) -> HelpRequestPublic:
    request, owner = await post_edits.readable(
        session, HelpRequest, viewer, request_id, NOUN, RequestStatus.open
    )
    return public(request, owner, viewer)


async def update_request(
    session: AsyncSession,
    owner: Resident,
    request_id: uuid.UUID,
    data: HelpRequestUpdate,
    if_match: VersionMatch,
) -> HelpRequestPublic:
    request = await post_edits.owned(session, HelpRequest, owner, request_id, NOUN)
    values = post_edits.changed_values(owner, data)
    if "needed_by" in values:
        values["needed_by"] = _needed_by(data.needed_by)
    if data.eligibility is not None:
        values["eligibility"] = _eligibility(request.category, data.eligibility)
    await post_edits.write(session, request, if_match, values, NOUN)
    return public(request, owner, owner)


async def cancel(
    session: AsyncSession, owner: Resident, request_id: uuid.UUID, if_match: VersionMatch
) -> None:
    """Cancel the request: it leaves every feed; its owner still sees it in `mine`."""
    request = await post_edits.owned(session, HelpRequest, owner, request_id, NOUN)
    values: dict[str, object] = {"status": RequestStatus.cancelled}
    await post_edits.write(session, request, if_match, values, NOUN)
    await alerts.request_closed(session, request, utcnow())


async def browse(
    session: AsyncSession,
    viewer: Resident,
    *,
    within_m: int,
    categories: Sequence[Category],
    urgencies: Sequence[Urgency],
    mine: bool,
    cursor: str | None,
    limit: int,
) -> Page[HelpRequestPublic]:
    conditions: list[ColumnElement[bool]] = []
    if categories:
        conditions.append(col(HelpRequest.category).in_(categories))
    if urgencies:
        conditions.append(col(HelpRequest.urgency).in_(urgencies))
    rows, next_cursor = await feeds.browse(
        session,
        HelpRequest,
        viewer,
        within_m=within_m,
        mine_only=mine,
        live=col(HelpRequest.status) == RequestStatus.open,
        conditions=conditions,
        cursor=cursor,
        limit=limit,
    )
    return Page[HelpRequestPublic](
        items=[public(request, owner, viewer) for request, owner in rows],
        next_cursor=next_cursor,
    )
