"""The audit log of connectors' and admins' acts."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.audit import AuditEntryPublic
from models.base import Page
from services import audit, neighbourhoods
from services.errors import NotFound

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", responses=problems(401, 404, 422))
async def list_entries(
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[AuditEntryPublic]:
    """Newest first. Admins see every entry; connectors, their neighbourhoods'."""
    if not resident.is_admin and not await neighbourhoods.connects_anywhere(session, resident.id):
        raise NotFound("Not found.")
    return await audit.entries(session, resident, cursor, limit)
