"""Neighbourhoods and their community connectors."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentAdmin, CurrentResident, KeyNeighbourhood, ReadsHealth, SessionDep
from api.errors import problems
from models.base import Page
from models.health import NeighbourhoodHealth, OutreachEntry
from models.neighbourhoods import NeighbourhoodCreate, NeighbourhoodPublic
from services import health as health_service
from services import neighbourhoods
from services.errors import NotFound

router = APIRouter(prefix="/v1/neighbourhoods", tags=["neighbourhoods"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def create(
    data: NeighbourhoodCreate, admin: CurrentAdmin, session: SessionDep
) -> NeighbourhoodPublic:
    """Admins only: draw a neighbourhood as every H3 cell within `radius_m` of a centre."""
    neighbourhood = await neighbourhoods.create(session, data, created_by=admin.id)
    return await neighbourhoods.public_view(session, neighbourhood)


@router.get("/{neighbourhood_id}", responses=problems(401, 404))
async def read(
    neighbourhood_id: uuid.UUID, _resident: CurrentResident, session: SessionDep
) -> NeighbourhoodPublic:
    """A neighbourhood's name, size and connectors."""
    neighbourhood = await neighbourhoods.get(session, neighbourhood_id)
    return await neighbourhoods.public_view(session, neighbourhood)


@router.put(
    "/{neighbourhood_id}/connectors/{resident_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 422),
)
async def appoint_connector(
    neighbourhood_id: uuid.UUID, resident_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep
) -> None:
    """Admins only: make a resident a connector of this neighbourhood. Safe to repeat."""
    await neighbourhoods.appoint_connector(session, neighbourhood_id, resident_id, admin)


@router.delete(
    "/{neighbourhood_id}/connectors/{resident_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 422),
)
async def remove_connector(
    neighbourhood_id: uuid.UUID, resident_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep
) -> None:
    """Admins only: stand a connector down. Audited."""
    await neighbourhoods.remove_connector(session, neighbourhood_id, resident_id, admin)


@router.get("/{neighbourhood_id}/health", responses=problems(401, 404, 422))
async def health(
    neighbourhood_id: uuid.UUID,
    resident: ReadsHealth,
    session: SessionDep,
    limited_to: KeyNeighbourhood,
) -> NeighbourhoodHealth:
    """For its connectors (and admins): how connected people are, and how events and
    requests are going. Aggregates only; any count under 5 reads "fewer than 5". An API key
    with `health:read` reads it as its account would, for its own neighbourhood only."""
    if limited_to is not None and limited_to != neighbourhood_id:
        raise NotFound("No such neighbourhood.")
    return await health_service.health(session, resident, neighbourhood_id)


@router.get("/{neighbourhood_id}/outreach", responses=problems(401, 404, 422))
async def outreach(
    neighbourhood_id: uuid.UUID,
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[OutreachEntry]:
    """For its connectors: residents who said a connector may reach out to them (and only
    they), by name, with whether they seem isolated."""
    return await health_service.outreach(session, resident, neighbourhood_id, cursor, limit)
