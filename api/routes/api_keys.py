"""API keys for integrators, issued and revoked by admins."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentAdmin, SessionDep
from api.errors import problems
from models.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from models.base import Page
from services import api_keys

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def issue(data: ApiKeyCreate, admin: CurrentAdmin, session: SessionDep) -> ApiKeyCreated:
    """A key that acts as one account, on the operations its scopes name, optionally in one
    neighbourhood only. The key is in this answer only: Kith keeps its hash."""
    return await api_keys.issue(session, admin, data)


@router.get("", responses=problems(401, 404, 422))
async def list_keys(
    _admin: CurrentAdmin,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ApiKeyPublic]:
    """Every key, with when it was last used."""
    return await api_keys.listing(session, cursor, limit)


@router.delete(
    "/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422)
)
async def revoke(key_id: uuid.UUID, _admin: CurrentAdmin, session: SessionDep) -> None:
    """Revoke a key: it stops working at once. Safe to repeat."""
    await api_keys.revoke(session, key_id)
