"""Vouches: saying you know someone in person, and taking it back."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.base import Page
from models.vouches import VouchCreate, VouchPublic
from services import vouches

router = APIRouter(prefix="/v1/vouches", tags=["trust"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def vouch(data: VouchCreate, resident: CurrentResident, session: SessionDep) -> VouchPublic:
    """Vouch for someone you know in person. A connector's vouch counts for more. The note is
    read only by community connectors. Vouching again returns the vouch you already made."""
    return await vouches.vouch(session, resident, data.resident_id, data.note)


@router.get("", responses=problems(401, 422))
async def list_vouches(
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[VouchPublic]:
    """The vouches you have made and not revoked, newest first."""
    return await vouches.given(session, resident, cursor, limit)


@router.delete(
    "/{vouch_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422)
)
async def revoke_vouch(vouch_id: uuid.UUID, resident: CurrentResident, session: SessionDep) -> None:
    """Take back a vouch. It stops counting at once; connectors still see that it was made."""
    await vouches.revoke(session, resident, vouch_id)
