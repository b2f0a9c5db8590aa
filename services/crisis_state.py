"""Whether crisis mode is on where something happens: read by alerts, the connector queue
and the crisis switch itself (kept apart from `services.crises` so that they need not import
all it does)."""

import uuid
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.crises import Crisis
from models.neighbourhoods import NeighbourhoodCell
from services import geo
from services.neighbourhoods import AREA_RESOLUTION


def is_live(crisis: Crisis, now: datetime) -> bool:
    return crisis.ended_at is None and crisis.ends_at > now


async def live_at(session: AsyncSession, cell: str, now: datetime) -> Crisis | None:
    """A live crisis in a neighbourhood holding the cell (fine or coarse), if any."""
    found = await session.exec(
        select(Crisis)
        .join(NeighbourhoodCell, col(NeighbourhoodCell.neighbourhood_id) == Crisis.neighbourhood_id)
        .where(NeighbourhoodCell.cell == geo.at_resolution(cell, AREA_RESOLUTION))
        .where(col(Crisis.ended_at).is_(None), col(Crisis.ends_at) > now)
        .order_by(col(Crisis.started_at))
    )
    return found.first()


async def live_in(
    session: AsyncSession, neighbourhood_ids: set[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Crisis]:
    """The live crises among these neighbourhoods, by neighbourhood."""
    if not neighbourhood_ids:
        return {}
    found = await session.exec(
        select(Crisis)
        .where(col(Crisis.neighbourhood_id).in_(neighbourhood_ids))
        .where(col(Crisis.ended_at).is_(None), col(Crisis.ends_at) > now)
    )
    return {crisis.neighbourhood_id: crisis for crisis in found.all()}
