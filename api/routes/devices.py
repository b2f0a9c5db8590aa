"""Phones registered for push notifications."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.base import Page
from models.devices import DeviceCreate, DevicePublic
from services import devices

router = APIRouter(prefix="/v1/devices", tags=["devices"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 422))
async def register(
    data: DeviceCreate, resident: CurrentResident, session: SessionDep
) -> DevicePublic:
    """Register this phone's push token. Safe to call at every start: the same token is one
    device. Your notifications then reach the push gateway (through a `notification.created`
    webhook carrying ids only)."""
    return await devices.register(session, resident, data)


@router.get("", responses=problems(401, 422))
async def list_devices(
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[DevicePublic]:
    """Your registered devices (tokens are never shown back)."""
    return await devices.listing(session, resident, cursor, limit)


@router.delete(
    "/{device_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422)
)
async def forget(device_id: uuid.UUID, resident: CurrentResident, session: SessionDep) -> None:
    """Stop pushing to a device (signing out on it, say)."""
    await devices.forget(session, resident, device_id)
