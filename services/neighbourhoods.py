"""Neighbourhoods: their areas as H3 cells, and the connectors appointed to them."""

import uuid

from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction
from models.neighbourhoods import (
    ConnectorPublic,
    Neighbourhood,
    NeighbourhoodCell,
    NeighbourhoodConnector,
    NeighbourhoodCreate,
    NeighbourhoodPublic,
)
from models.residents import Resident, ResidentStatus
from services import audit, geo
from services.errors import Forbidden, NotFound

# Areas are drawn at the fine resolution so that membership has one cell to look up.
AREA_RESOLUTION = 8


async def create(
    session: AsyncSession, data: NeighbourhoodCreate, created_by: uuid.UUID
) -> Neighbourhood:
    cells = geo.cells_within(data.lat, data.lon, data.radius_m, AREA_RESOLUTION)
    neighbourhood = Neighbourhood(
        name=data.name,
        description=data.description,
        centre_cell=geo.cell_of(data.lat, data.lon, AREA_RESOLUTION),
        radius_m=data.radius_m,
        cell_resolution=AREA_RESOLUTION,
        created_by=created_by,
    )
    session.add(neighbourhood)
    await session.flush()
    # Up to a few thousand rows: one executemany, not one ORM object each.
    await session.exec(
        insert(NeighbourhoodCell),
        params=[{"neighbourhood_id": neighbourhood.id, "cell": c} for c in sorted(cells)],
    )
    return neighbourhood


async def get(session: AsyncSession, neighbourhood_id: uuid.UUID) -> Neighbourhood:
    neighbourhood = await session.get(Neighbourhood, neighbourhood_id)
    if neighbourhood is None:
        raise NotFound("No such neighbourhood.")
    return neighbourhood


async def public_view(session: AsyncSession, neighbourhood: Neighbourhood) -> NeighbourhoodPublic:
    cell_count = await session.exec(
        select(func.count())
        .select_from(NeighbourhoodCell)
        .where(NeighbourhoodCell.neighbourhood_id == neighbourhood.id)
    )
    connectors = await session.exec(
        select(Resident.id, Resident.display_name, NeighbourhoodConnector.appointed_at)
        .join(NeighbourhoodConnector, col(NeighbourhoodConnector.resident_id) == Resident.id)
        .where(NeighbourhoodConnector.neighbourhood_id == neighbourhood.id)
        .where(Resident.status == ResidentStatus.active)
        .order_by(col(NeighbourhoodConnector.appointed_at), col(Resident.id))
    )
    return NeighbourhoodPublic(
        id=neighbourhood.id,
        name=neighbourhood.name,
        description=neighbourhood.description,
        radius_m=neighbourhood.radius_m,
        cell_count=cell_count.one(),
        connectors=[
            ConnectorPublic(id=rid, display_name=name, appointed_at=at)
            for rid, name, at in connectors.all()
        ],
        created_at=neighbourhood.created_at,
    )


async def appoint_connector(
    session: AsyncSession,
    neighbourhood_id: uuid.UUID,
    resident_id: uuid.UUID,
    admin: Resident,
) -> None:
    """Idempotent: appointing someone who already is a connector changes nothing. Audited."""
    await get(session, neighbourhood_id)
    resident = await session.get(Resident, resident_id)
    if resident is None or resident.status != ResidentStatus.active:
        raise NotFound("No such resident.")
    existing = await session.get(NeighbourhoodConnector, (neighbourhood_id, resident_id))
    if existing is None:
        try:
            # Two admins appointing the same person at once: the second finds it done.
            async with session.begin_nested():
                session.add(
                    NeighbourhoodConnector(
                        neighbourhood_id=neighbourhood_id,
                        resident_id=resident_id,
                        appointed_by=admin.id,
                    )
                )
        except IntegrityError:
            return
        await _audit_role(session, admin, resident_id, neighbourhood_id, appointed=True)


async def remove_connector(
    session: AsyncSession, neighbourhood_id: uuid.UUID, resident_id: uuid.UUID, admin: Resident
) -> None:
    await get(session, neighbourhood_id)
    existing = await session.get(NeighbourhoodConnector, (neighbourhood_id, resident_id))
    if existing is None:
        raise NotFound("That resident is not a connector here.")
    await session.delete(existing)
    await session.flush()
    await _audit_role(session, admin, resident_id, neighbourhood_id, appointed=False)


async def _audit_role(
    session: AsyncSession,
    admin: Resident,
    resident_id: uuid.UUID,
    neighbourhood_id: uuid.UUID,
    appointed: bool,
) -> None:
    role = {"connector_of": str(neighbourhood_id)}
    await audit.record(
        session, admin, AuditAction.role_changed, "resident", resident_id,
        neighbourhood_id=neighbourhood_id,
        before=None if appointed else role, after=role if appointed else None,
    )  # fmt: skip


async def require_connector(
    session: AsyncSession, resident: Resident, neighbourhood_id: uuid.UUID
) -> None:
    """404 unless the resident is one of the neighbourhood's connectors."""
    found = await session.get(NeighbourhoodConnector, (neighbourhood_id, resident.id))
    if found is None:
        raise NotFound("No such neighbourhood, or you are not one of its connectors.")


async def connects_at(session: AsyncSession, resident_id: uuid.UUID, cell: str) -> bool:
    """Whether the resident is a connector of a neighbourhood whose area holds `cell`."""
    return await connected_neighbourhood_at(session, resident_id, cell) is not None


async def connected_neighbourhood_at(
    session: AsyncSession, resident_id: uuid.UUID, cell: str | None
) -> uuid.UUID | None:
    """A neighbourhood holding `cell` that the resident is a connector of, if any."""
    if cell is None:
        return None
    found = await session.exec(
        select(NeighbourhoodConnector.neighbourhood_id)
        .join(
            NeighbourhoodCell,
            col(NeighbourhoodCell.neighbourhood_id) == NeighbourhoodConnector.neighbourhood_id,
        )
        .where(NeighbourhoodConnector.resident_id == resident_id)
        .where(NeighbourhoodCell.cell == geo.at_resolution(cell, AREA_RESOLUTION))
        .order_by(col(NeighbourhoodConnector.neighbourhood_id))
    )
    return found.first()


async def neighbourhood_at(session: AsyncSession, cell: str | None) -> uuid.UUID | None:
    """The first neighbourhood (by id) whose area holds `cell`: where an act is filed."""
    if cell is None:
        return None
    found = await session.exec(
        select(NeighbourhoodCell.neighbourhood_id)
        .where(NeighbourhoodCell.cell == geo.at_resolution(cell, AREA_RESOLUTION))
        .order_by(col(NeighbourhoodCell.neighbourhood_id))
    )
    return found.first()


async def connects_anywhere(session: AsyncSession, resident_id: uuid.UUID) -> bool:
    found = await session.exec(
        select(NeighbourhoodConnector.neighbourhood_id).where(
            NeighbourhoodConnector.resident_id == resident_id
        )
    )
    return found.first() is not None


async def require_inside(session: AsyncSession, neighbourhood_id: uuid.UUID, cell: str) -> None:
    """For API keys limited to one neighbourhood: the place must lie in its area."""
    inside = await session.get(
        NeighbourhoodCell, (neighbourhood_id, geo.at_resolution(cell, AREA_RESOLUTION))
    )
    if inside is None:
        raise Forbidden("This API key works only within its neighbourhood.")


async def area_of(session: AsyncSession, neighbourhood_id: uuid.UUID) -> set[str]:
    """The neighbourhood's cells (empty for no such neighbourhood)."""
    rows = await session.exec(
        select(NeighbourhoodCell.cell).where(NeighbourhoodCell.neighbourhood_id == neighbourhood_id)
    )
    return set(rows.all())


def searched(area: set[str]) -> list[str]:
    """The area's cells and their coarse parents, where coarse-located people and posts sit."""
    return sorted(area | {geo.at_resolution(c, AREA_RESOLUTION - 1) for c in area})


def inside(area: set[str], cell: str | None) -> bool:
    """Whether a cell (fine or coarse) belongs to the area, as membership is decided."""
    return cell is not None and geo.at_resolution(cell, AREA_RESOLUTION) in area


async def residents_in(session: AsyncSession, area: set[str]) -> list[uuid.UUID]:
    """The active residents living in the area."""
    rows = await session.exec(
        select(Resident.id, Resident.home_cell)
        .where(col(Resident.home_cell).in_(searched(area)))
        .where(Resident.status == ResidentStatus.active)
    )
    return [resident for resident, cell in rows.all() if inside(area, cell)]


async def staffed_at(session: AsyncSession, cell: str | None) -> uuid.UUID | None:
    """The first neighbourhood (by id) holding `cell` that has a connector: where a concern
    is filed so that someone sees it."""
    if cell is None:
        return None
    found = await session.exec(
        select(NeighbourhoodCell.neighbourhood_id)
        .join(
            NeighbourhoodConnector,
            col(NeighbourhoodConnector.neighbourhood_id) == NeighbourhoodCell.neighbourhood_id,
        )
        .where(NeighbourhoodCell.cell == geo.at_resolution(cell, AREA_RESOLUTION))
        .order_by(col(NeighbourhoodCell.neighbourhood_id))
    )
    return found.first()
