"""Connections: asking, accepting, declining and ending, always by mutual consent."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.base import Page
from models.trust import ConnectionCreate, ConnectionKind, ConnectionPublic
from services import connections

router = APIRouter(prefix="/v1/connections", tags=["trust"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 409, 422))
async def ask_to_connect(
    data: ConnectionCreate, resident: CurrentResident, session: SessionDep
) -> ConnectionPublic:
    """Ask someone to connect. If they already asked you, this accepts. Asking again is safe."""
    return await connections.ask(session, resident, data.resident_id, data.message)


@router.get("", responses=problems(401, 422))
async def list_connections(
    resident: CurrentResident,
    session: SessionDep,
    kind: ConnectionKind = ConnectionKind.connected,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ConnectionPublic]:
    """Your connections, the asks waiting for you, or the asks you made; newest first."""
    return await connections.listing(session, resident, kind, cursor, limit)


@router.post("/{connection_id}/accept", responses=problems(401, 404, 422))
async def accept_connection(
    connection_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> ConnectionPublic:
    """Say yes to an ask made to you."""
    return await connections.accept(session, resident, connection_id)


@router.post(
    "/{connection_id}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 404, 422),
)
async def decline_connection(
    connection_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> None:
    """Say no, with no reason needed. The asker is not told, and cannot ask again for 90 days."""
    await connections.decline(session, resident, connection_id)


@router.delete(
    "/{connection_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422)
)
async def end_connection(
    connection_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> None:
    """Withdraw your ask, or end a connection (either of you may)."""
    await connections.remove(session, resident, connection_id)
