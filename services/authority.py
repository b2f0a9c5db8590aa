"""Who may act on whom: a connector of the neighbourhood in question, or an admin. Anyone
else gets the answer a stranger would (404), so nobody learns whom they cannot touch."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident
from services import neighbourhoods
from services.errors import NotFound


async def over_resident(
    session: AsyncSession, actor: Resident, subject_id: uuid.UUID
) -> tuple[Resident, uuid.UUID | None]:
    """The subject, and the neighbourhood the act is filed under (None for an admin acting
    where no neighbourhood covers them)."""
    subject = await session.get(Resident, subject_id)
    if subject is None:
        raise NotFound("No such resident.")
    where = await neighbourhoods.connected_neighbourhood_at(session, actor.id, subject.home_cell)
    if where is None and not actor.is_admin:
        raise NotFound("No such resident.")
    if where is None:
        where = await neighbourhoods.neighbourhood_at(session, subject.home_cell)
    return subject, where


async def over_cell(session: AsyncSession, actor: Resident, cell: str) -> uuid.UUID:
    """The neighbourhood holding `cell` that the actor connects for; 404 if none."""
    where = await neighbourhoods.connected_neighbourhood_at(session, actor.id, cell)
    if where is None:
        raise NotFound("Not found.")
    return where
