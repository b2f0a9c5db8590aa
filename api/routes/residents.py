"""Other residents, as the viewer may see them."""

import uuid

from fastapi import APIRouter

from api.deps import CurrentResident, SessionDep, TrustDep
from api.errors import problems
from models.profiles import ResidentProfile
from services import profiles

router = APIRouter(prefix="/v1/residents", tags=["residents"])


@router.get("/{resident_id}", responses=problems(401, 404, 422))
async def read_profile(
    resident_id: uuid.UUID, resident: CurrentResident, session: SessionDep, trust: TrustDep
) -> ResidentProfile:
    """A resident's public profile and how you are joined to them: your tie, the people you
    both know, vouches and verifications. Never their location or their list of ties."""
    return await profiles.profile(session, resident, resident_id, trust)
