"""Other residents, as the viewer may see them."""

import uuid

from fastapi import APIRouter

from api.deps import CurrentResident, SessionDep, TrustDep
from api.errors import problems
from models.moderation import SuspensionDecision, SuspensionPublic
from models.profiles import ResidentProfile
from models.verifications import VerificationRecord, VerificationsPublic
from services import profiles, suspensions, verifications

router = APIRouter(prefix="/v1/residents", tags=["residents"])


@router.get("/{resident_id}", responses=problems(401, 404, 422))
async def read_profile(
    resident_id: uuid.UUID, resident: CurrentResident, session: SessionDep, trust: TrustDep
) -> ResidentProfile:
    """A resident's public profile and how you are joined to them: your tie, the people you
    both know, vouches and verifications. Never their location or their list of ties."""
    return await profiles.profile(session, resident, resident_id, trust)


@router.put("/{resident_id}/verifications", responses=problems(401, 404, 422))
async def record_verification(
    resident_id: uuid.UUID,
    data: VerificationRecord,
    resident: CurrentResident,
    session: SessionDep,
) -> VerificationsPublic:
    """For connectors of the resident's neighbourhood, and admins: record a check you have
    seen (its kind and dates; never a certificate number). Audited. Expired checks stop
    counting by themselves."""
    return await verifications.record(session, resident, resident_id, data)


@router.post("/{resident_id}/suspend", responses=problems(401, 404, 422))
async def suspend(
    resident_id: uuid.UUID, data: SuspensionDecision, resident: CurrentResident, session: SessionDep
) -> SuspensionPublic:
    """For connectors of the resident's neighbourhood, and admins. Takes effect at once:
    their next request is refused, their posts leave every feed, their open matches end
    and the other sides are told kindly. Lists whom they vouch for, to review. Audited."""
    return await suspensions.suspend(session, resident, resident_id, data)


@router.post("/{resident_id}/reinstate", responses=problems(401, 404, 422))
async def reinstate(
    resident_id: uuid.UUID, data: SuspensionDecision, resident: CurrentResident, session: SessionDep
) -> SuspensionPublic:
    """Lift a suspension. Audited."""
    return await suspensions.reinstate(session, resident, resident_id, data)
