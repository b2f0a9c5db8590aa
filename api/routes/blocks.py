"""Blocks: hiding a resident from yourself, and yourself from them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.base import Page
from models.trust import BlockCreate, BlockPublic
from services import blocks

router = APIRouter(prefix="/v1/blocks", tags=["trust"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def block(data: BlockCreate, resident: CurrentResident, session: SessionDep) -> BlockPublic:
    """Block a resident: neither of you sees the other's posts again, either way. They are
    not told. Safe to repeat."""
    return await blocks.block(session, resident, data.resident_id)


@router.get("", responses=problems(401, 422))
async def list_blocks(
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[BlockPublic]:
    """The residents you have blocked, newest first."""
    return await blocks.my_blocks(session, resident, cursor, limit)


@router.delete(
    "/{resident_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422)
)
async def unblock(resident_id: uuid.UUID, resident: CurrentResident, session: SessionDep) -> None:
    """Lift a block you made."""
    await blocks.unblock(session, resident, resident_id)
