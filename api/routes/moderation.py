"""Connectors' moderation: the queue, and review of matches that wait for them."""

import uuid

from fastapi import APIRouter

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.moderation import MatchReviewed, ReviewDecision
from services import moderation

router = APIRouter(prefix="/v1/moderation", tags=["moderation"])


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
