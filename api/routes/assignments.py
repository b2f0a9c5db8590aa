"""Crisis batches for connectors: plan every open request of a neighbourhood at once, look
at the plan, then send it."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentResident, MatchingDep, SessionDep, TrustDep
from api.errors import problems
from models.assignments import Assignment, AssignmentCommitted, AssignmentPlanPublic
from models.base import Page
from services import crisis

router = APIRouter(prefix="/v1/neighbourhoods/{neighbourhood_id}/assignments", tags=["crisis"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def plan(
    neighbourhood_id: uuid.UUID,
    resident: CurrentResident,
    session: SessionDep,
    trust: TrustDep,
    weights: MatchingDep,
) -> AssignmentPlanPublic:
    """For the neighbourhood's connectors: the assignment of helpers to every open request
    with the highest total score (an exact min-cost flow), beside the greedy plan's total.
    A dry run: nothing is sent until you commit it."""
    return await crisis.plan(session, resident, neighbourhood_id, trust, weights)


@router.get("/{plan_id}", responses=problems(401, 404, 422))
async def read_plan(
    neighbourhood_id: uuid.UUID, plan_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> AssignmentPlanPublic:
    """A plan's summary."""
    return await crisis.read(session, resident, neighbourhood_id, plan_id)


@router.get("/{plan_id}/pairs", responses=problems(401, 404, 422))
async def plan_pairs(
    neighbourhood_id: uuid.UUID,
    plan_id: uuid.UUID,
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[Assignment]:
    """The plan's pairs, then the requests it leaves without a helper."""
    return await crisis.pairs(session, resident, neighbourhood_id, plan_id, cursor, limit)


@router.post("/{plan_id}/commit", responses=problems(401, 404, 409, 422))
async def commit_plan(
    neighbourhood_id: uuid.UUID,
    plan_id: uuid.UUID,
    resident: CurrentResident,
    session: SessionDep,
    trust: TrustDep,
    weights: MatchingDep,
) -> AssignmentCommitted:
    """Send the plan's proposals (within an hour of making it). Each helper still says yes or
    no; pairs that no longer fit are skipped."""
    return await crisis.commit(session, resident, neighbourhood_id, plan_id, trust, weights)
