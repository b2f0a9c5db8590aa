"""A request's candidate helpers, ranked with reasons."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, MatchingDep, ModelReadsDep, SessionDep, TrustDep
from api.errors import problems
from models.base import Page
from models.matches import Candidate
from services import candidates as candidate_service

router = APIRouter(prefix="/v1/requests/{request_id}", tags=["requests"])


@router.get("/candidates", responses=problems(401, 404, 409, 422))
async def candidates(
    request_id: uuid.UUID,
    resident: CurrentResident,
    session: SessionDep,
    trust: TrustDep,
    weights: MatchingDep,
    model: ModelReadsDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[Candidate]:
    """For the requester, and for connectors where the request is: helpers in reach who may
    help and are free to be asked, best first, each with a score and the reasons for it.
    Helpers with an open offer in the category, and people you know who live in reach."""
    return await candidate_service.candidates(
        session, resident, request_id, trust, weights, cursor, limit, model
    )
