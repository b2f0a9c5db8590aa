"""After a match: each side's private answer to "how did it go?"."""

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentResident, IdempotencyKey, SessionDep
from api.errors import problems
from models.match_feedback import MatchFeedbackCreate, MatchFeedbackPublic
from services import idempotency, match_feedback

router = APIRouter(tags=["matches"])


@router.post(
    "/v1/matches/{match_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 404, 409, 422),
)
async def feedback(
    match_id: uuid.UUID,
    data: MatchFeedbackCreate,
    resident: CurrentResident,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> MatchFeedbackPublic:
    """Once it is done: how it went for you, never shown to them; a worry goes to a connector."""
    made, _ = await idempotency.once(
        session, resident.id, idempotency_key, f"matches-feedback:{match_id}", data,
        lambda: match_feedback.give(session, resident, match_id, data), MatchFeedbackPublic,
    )  # fmt: skip
    return made
