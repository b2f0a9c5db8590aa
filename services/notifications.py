"""Storing notifications, once each: an insert that ignores a second copy of the same one."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import new_id, utcnow
from models.notifications import Notification, NotificationKind
from services import bulk


async def notify(
    session: AsyncSession,
    residents: list[uuid.UUID],
    kind: NotificationKind,
    dedupe_key: str,
    title: str,
    data: dict[str, Any],
) -> int:
    """Store one notification per resident; returns how many were new."""
    if not residents:
        return 0
    insert = bulk.insert(session, Notification)
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "resident_id": resident_id,
            "kind": kind,
            "dedupe_key": dedupe_key,
            "title": title[:200],
            "data": data,
            "created_at": now,
        }
        for resident_id in residents
    ]
    result = await session.exec(
        insert.values(rows).on_conflict_do_nothing(index_elements=["resident_id", "dedupe_key"])
    )
    return int(result.rowcount or 0)
