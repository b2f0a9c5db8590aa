"""Matches: each step by the side it belongs to, and the details shared once both say yes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import (
    CurrentResident,
    IdempotencyKey,
    MatchingDep,
    SessionDep,
    TrustDep,
    WritingSessionDep,
)
from api.errors import problems
from models.base import Page
from models.matches import (
    DisclosurePublic,
    MatchAccept,
    MatchConfirm,
    MatchCreate,
    MatchPublic,
    MatchStatus,
    MatchThanks,
)
from services import idempotency, match_views, matches

router = APIRouter(tags=["matches"])
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post(
    "/v1/requests/{request_id}/matches",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 404, 409, 422),
)
async def propose(
    request_id: uuid.UUID,
    data: MatchCreate,
    resident: CurrentResident,
    session: SessionDep,
    trust: TrustDep,
    weights: MatchingDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MatchPublic:
    """As the requester (or a local connector): ask a candidate, who then says yes or no.
    As anyone else who can see the request: volunteer, leaving out `helper_id`. Personal
    help, and requests that ask for it, wait for a connector's review first. Send an
    Idempotency-Key so that a retry gets the same match back."""

    async def make() -> MatchPublic:
        match = await matches.propose(session, resident, request_id, data, trust, weights)
        return await match_views.view(session, resident, match)

    made, replayed = await idempotency.once(
        session, resident.id, idempotency_key, f"matches-propose:{request_id}", data, make,
        MatchPublic,
    )  # fmt: skip
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return made


@router.get("/v1/matches", responses=problems(401, 422))
async def list_matches(
    resident: CurrentResident,
    session: WritingSessionDep,
    status_: Annotated[MatchStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[MatchPublic]:
    """Your matches, as requester or helper, newest first."""
    return await match_views.listing(session, resident, status_, cursor, limit)


@router.get("/v1/matches/{match_id}", responses=problems(401, 404, 422))
async def read(
    match_id: uuid.UUID, resident: CurrentResident, session: WritingSessionDep
) -> MatchPublic:
    """One of your matches. While it is confirmed (and for a day after it ends) it carries
    what the other side shared; each showing is logged for them."""
    return await match_views.read(session, resident, match_id)


@router.post("/v1/matches/{match_id}/accept", responses=problems(401, 404, 409, 422))
async def accept(
    match_id: uuid.UUID, data: MatchAccept, resident: CurrentResident, session: SessionDep
) -> MatchPublic:
    """As the helper: yes. 409 if someone else has just taken the last place."""
    match = await matches.accept(session, resident, match_id, data)
    return await match_views.view(session, resident, match)


@router.post("/v1/matches/{match_id}/decline", responses=problems(401, 404, 409, 422))
async def decline(
    match_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> MatchPublic:
    """As the helper: no, with no reason asked. As the requester: no to a volunteer."""
    match = await matches.decline(session, resident, match_id)
    return await match_views.view(session, resident, match)


@router.post("/v1/matches/{match_id}/confirm", responses=problems(401, 404, 409, 422))
async def confirm(
    match_id: uuid.UUID, data: MatchConfirm, resident: CurrentResident, session: SessionDep
) -> MatchPublic:
    """As the requester, after the helper's yes: go ahead, and share how to reach you."""
    match = await matches.confirm(session, resident, match_id, data)
    return await match_views.view(session, resident, match)


@router.post("/v1/matches/{match_id}/complete", responses=problems(401, 404, 409, 422))
async def complete(
    match_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> MatchPublic:
    """Either side: the help was given. You both gain a `helped` tie."""
    match = await matches.complete(session, resident, match_id)
    return await match_views.view(session, resident, match)


@router.post("/v1/matches/{match_id}/cancel", responses=problems(401, 404, 409, 422))
async def cancel(
    match_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> MatchPublic:
    """Either side, before it is done. A confirmed place opens again on the request."""
    match = await matches.cancel(session, resident, match_id)
    return await match_views.view(session, resident, match)


@router.post("/v1/matches/{match_id}/thanks", responses=problems(401, 404, 409, 422))
async def thank(
    match_id: uuid.UUID, data: MatchThanks, resident: CurrentResident, session: SessionDep
) -> MatchPublic:
    """After it is done: a private note of thanks to the other side, once."""
    match = await matches.thank(session, resident, match_id, data.message)
    return await match_views.view(session, resident, match)


@router.get("/v1/me/disclosures", responses=problems(401, 422))
async def disclosures(
    resident: CurrentResident, session: SessionDep, cursor: Cursor = None, limit: Limit = 20
) -> Page[DisclosurePublic]:
    """Who saw your contact details or meeting note, and when."""
    return await match_views.disclosures(session, resident, cursor, limit)
