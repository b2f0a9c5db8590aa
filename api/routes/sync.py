"""Delta sync for phones: everything that changed for you since your last sync."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, SessionDep, TrustDep
from api.errors import problems
from models.posts import MAX_RADIUS_M, MIN_RADIUS_M
from models.sync import SyncPage
from services import sync

router = APIRouter(prefix="/v1/sync", tags=["sync"])


@router.get("", responses=problems(401, 410, 422))
async def changes(
    resident: CurrentResident,
    session: SessionDep,
    trust: TrustDep,
    since: Annotated[
        str | None,
        Query(max_length=200, description="`next_token` from your last sync; none to start."),
    ] = None,
    within_m: Annotated[
        int,
        Query(
            ge=MIN_RADIUS_M,
            le=MAX_RADIUS_M,
            description="Your nearby feed's reach. Changing it starts a new sync (410).",
        ),
    ] = 3000,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SyncPage:
    """Offers, requests, matches, events, notifications and circle ties that changed since
    `since` and that you may see, each in its current form, or as a tombstone
    (`deleted: true`) when it was removed or you can no longer see it. Without `since`:
    everything you may see now. Follow `next_token` while `more` is true.

    410 means start again without `since` and replace your copy: the token is too old, or
    your home or `within_m` changed since it was issued."""
    return await sync.changes_since(
        session, resident, trust.decay, since=since, within_m=within_m, limit=limit
    )
