"""Connectors' moderation: the queue, and review of matches that wait for them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, SessionDep, SettingsDep
from api.errors import problems
from models.base import Page
from models.moderation import MatchReviewed, QueueItem, ReviewDecision
from services import moderation, moderation_queue

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])


@router.get("/queue", responses=problems(401, 404, 422))
async def queue(
    resident: CurrentResident,
    session: SessionDep,
    settings: SettingsDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[QueueItem]:
    """For connectors: matches waiting for review, open reports, checks expiring within 30
    days, and requests with no helper after 24 hours (2 when urgent; at once when urgent in
    crisis mode), across your neighbourhoods, oldest first. In crisis mode also: the batch
    assignment to plan, and welfare check-ins to follow up by phone."""
    return await moderation_queue.queue(
        session, resident, cursor, limit, settings.crisis.answer_within
    )


@router.post("/matches/{match_id}/approve", responses=problems(401, 404, 409, 422))
async def approve_match(
    match_id: uuid.UUID, data: ReviewDecision, resident: CurrentResident, session: SessionDep
) -> MatchReviewed:
    """For connectors where the request is: let a match waiting for review go ahead. The
    helper is then asked (or, if they volunteered, the requester)."""
    return await moderation.approve(session, resident, match_id, data)


@router.post("/matches/{match_id}/reject", responses=problems(401, 404, 409, 422))
async def reject_match(
    match_id: uuid.UUID, data: ReviewDecision, resident: CurrentResident, session: SessionDep
) -> MatchReviewed:
    """Stop a match waiting for review. The requester is told kindly; the helper learns only
    that it did not go ahead. The reason goes to the audit log."""
    return await moderation.reject(session, resident, match_id, data)
