"""An event's co-hosts: invitations, yeses, and stepping down."""

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.event_hosts import EventHostPublic, EventHosts, HostInvite
from services import event_hosts

router = APIRouter(prefix="/v1/events/{event_id}/hosts", tags=["events"])


@router.get("", responses=problems(401, 403, 404, 422))
async def list_hosts(
    event_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> EventHosts:
    """For hosts: who hosts, and whom you have invited."""
    return await event_hosts.listing(session, resident, event_id)


@router.post("", responses=problems(401, 403, 404, 409, 422))
async def invite_host(
    event_id: uuid.UUID, data: HostInvite, resident: CurrentResident, session: SessionDep
) -> EventHostPublic:
    """Ask someone you know to co-host. They are named as a host only once they say yes.
    Safe to repeat."""
    return await event_hosts.invite(session, resident, event_id, data)


@router.post("/accept", responses=problems(401, 404, 422))
async def accept_hosting(
    event_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> EventHostPublic:
    """Say yes to an invitation to co-host. Safe to repeat."""
    return await event_hosts.accept(session, resident, event_id)


@router.delete(
    "/{resident_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409, 422),
)
async def remove_host(
    event_id: uuid.UUID, resident_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> None:
    """Your own id: step down, or decline an invitation (nobody is told). Someone else's, as
    a host: withdraw their invitation or remove them. An event keeps at least one host."""
    await event_hosts.leave(session, resident, event_id, resident_id)
