"""Help requests (`/v1/requests`): what residents need."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.conditional import IfMatch, set_etag
from api.deps import (
    AlertingDep,
    FeedSessionDep,
    IdempotencyKey,
    KeyNeighbourhood,
    ReadsRequests,
    SessionDep,
    WritesRequests,
)
from api.errors import problems
from models.base import Page
from models.categories import Category
from models.posts import MAX_RADIUS_M, MIN_RADIUS_M
from models.requests import HelpRequestCreate, HelpRequestPublic, HelpRequestUpdate, Urgency
from services import idempotency, neighbourhoods, posts, requests

router = APIRouter(prefix="/v1/requests", tags=["requests"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 409, 422))
async def create(
    data: HelpRequestCreate,
    resident: WritesRequests,
    session: SessionDep,
    response: Response,
    limited_to: KeyNeighbourhood,
    alerting: AlertingDep,
    idempotency_key: IdempotencyKey = None,
) -> HelpRequestPublic:
    """Ask for help. It is placed at your home cell unless you give another point. Send an
    Idempotency-Key so that a retry after a dropped connection cannot post it twice. (An API
    key limited to a neighbourhood may post only there.)"""
    if limited_to is not None:
        await neighbourhoods.require_inside(
            session, limited_to, posts.place(resident, data.location)
        )
    request, replayed = await idempotency.once(
        session,
        resident.id,
        idempotency_key,
        "requests-create",
        data,
        lambda: requests.create(session, resident, data, alerting),
        HelpRequestPublic,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    set_etag(response, request.version)
    return request


@router.get("", responses=problems(401, 409, 422))
async def list_nearby(
    resident: ReadsRequests,
    session: FeedSessionDep,
    within_m: Annotated[int, Query(ge=MIN_RADIUS_M, le=MAX_RADIUS_M)] = 3000,
    category: Annotated[list[Category], Query(max_length=16)] = [],  # noqa: B006
    urgency: Annotated[list[Urgency], Query(max_length=3)] = [],  # noqa: B006
    mine: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[HelpRequestPublic]:
    """Requests in reach, nearest distance bucket first, then newest; or, with `mine=true`,
    your own in every state. Distances are buckets between cells, never exact."""
    return await requests.browse(
        session,
        resident,
        within_m=within_m,
        categories=category,
        urgencies=urgency,
        mine=mine,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{request_id}", responses=problems(401, 404))
async def read(
    request_id: uuid.UUID, resident: ReadsRequests, session: SessionDep, response: Response
) -> HelpRequestPublic:
    """One request, with its ETag for a later PATCH or DELETE."""
    request = await requests.read(session, resident, request_id)
    set_etag(response, request.version)
    return request


@router.patch("/{request_id}", responses=problems(401, 404, 412, 422, 428))
async def update(
    request_id: uuid.UUID,
    data: HelpRequestUpdate,
    resident: WritesRequests,
    if_match: IfMatch,  # after who is asking: a stranger gets 401, not 428
    session: SessionDep,
    response: Response,
) -> HelpRequestPublic:
    """Change your request. Needs If-Match with the ETag you last read."""
    request = await requests.update_request(session, resident, request_id, data, if_match)
    set_etag(response, request.version)
    return request


@router.delete(
    "/{request_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 412, 428),
)
async def cancel(
    request_id: uuid.UUID, resident: WritesRequests, if_match: IfMatch, session: SessionDep
) -> None:
    """Cancel your request: it leaves every feed. Needs If-Match."""
    await requests.cancel(session, resident, request_id, if_match)
