"""Registering a phone for push, again and again as apps do at every start: one row per
token, its last sighting refreshed."""

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.devices import Device, DeviceCreate, DevicePublic
from models.residents import Resident
from services.errors import NotFound
from services.posts import FeedKey, paginate

MAX_DEVICES = 20  # per resident: old ones make way


def _public(device: Device) -> DevicePublic:
    return DevicePublic(
        id=device.id,
        platform=device.platform,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
    )


async def register(session: AsyncSession, resident: Resident, data: DeviceCreate) -> DevicePublic:
    mine = list((await session.exec(select(Device).where(Device.resident_id == resident.id))).all())
    existing = next((d for d in mine if d.push_token == data.push_token), None)
    if existing is not None:
        existing.platform, existing.last_seen_at = data.platform, utcnow()
        session.add(existing)
        return _public(existing)
    for stale in sorted(mine, key=lambda d: d.last_seen_at)[: max(0, len(mine) - MAX_DEVICES + 1)]:
        await session.delete(stale)
    device = Device(resident_id=resident.id, platform=data.platform, push_token=data.push_token)
    session.add(device)
    await session.flush()
    return _public(device)


async def listing(
    session: AsyncSession, resident: Resident, cursor: str | None, limit: int
) -> Page[DevicePublic]:
    rows = (await session.exec(select(Device).where(Device.resident_id == resident.id))).all()
    page, next_cursor = paginate(
        ((FeedKey.of(0, d.last_seen_at, d.id), d) for d in rows), cursor, limit
    )
    return Page[DevicePublic](items=[_public(d) for d in page], next_cursor=next_cursor)


async def forget(session: AsyncSession, resident: Resident, device_id: uuid.UUID) -> None:
    device = await session.get(Device, device_id)
    if device is None or device.resident_id != resident.id:
        raise NotFound("No such device.")
    await session.delete(device)
