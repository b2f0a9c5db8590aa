"""Display names for many residents at once: what lists of people need to show them."""

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident
from models.trust import ResidentRef
from services import bulk


async def names(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """In one query; none for an empty set."""
    if not ids:
        return {}
    connection = await session.connection()  # core rows: lists of people are hot paths
    rows = await connection.execute(
        select(col(Resident.id), col(Resident.display_name)).where(
            bulk.among(session, col(Resident.id), ids)
        )
    )
    return {resident_id: name for resident_id, name in rows.all()}  # noqa: C416 (Rows)


def ref(resident_id: uuid.UUID, known: dict[uuid.UUID, str]) -> ResidentRef:
    return ResidentRef(id=resident_id, display_name=known.get(resident_id, ""))
