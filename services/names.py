"""Display names for many residents at once: what lists of people need to show them."""

import uuid
from collections.abc import Collection

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident
from models.trust import ResidentRef


async def names(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """In one query; none for an empty set."""
    if not ids:
        return {}
    rows = await session.exec(
        select(Resident.id, Resident.display_name).where(col(Resident.id).in_(list(ids)))
    )
    return dict(rows.all())


def ref(resident_id: uuid.UUID, known: dict[uuid.UUID, str]) -> ResidentRef:
    return ResidentRef(id=resident_id, display_name=known.get(resident_id, ""))
