"""Notifications: stored once each (an insert that ignores a second copy of the same one),
and read from the in-app inbox."""

import uuid
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, new_id, utcnow
from models.notifications import Notification, NotificationKind, NotificationPublic
from models.residents import Resident
from models.sync import SyncKind
from models.webhooks import WebhookEventType
from services import bulk, changes, posts, webhooks
from services.errors import NotFound

# session.info: the residents this transaction stored a notification for. The api layer
# wakes their live streams once it commits (api/live.py); services never send anything.
NOTIFIED = "kith.notifications.notified"
CHUNK = 2000


async def notify(
    session: AsyncSession,
    residents: list[uuid.UUID],
    kind: NotificationKind,
    dedupe_key: str,
    title: str,
    data: dict[str, Any],
) -> int:
    """Store one notification per resident; returns how many were new."""
    return await notify_each(session, dict.fromkeys(residents, data), kind, dedupe_key, title)


async def notify_each(
    session: AsyncSession,
    data_by_resident: dict[uuid.UUID, dict[str, Any]],
    kind: NotificationKind,
    dedupe_key: str,
    title: str,
) -> int:
    """`notify`, with each resident's own ids in `data` (their alert, their check-in)."""
    if not data_by_resident:
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
        for resident_id, data in data_by_resident.items()
    ]
    made: list[tuple[uuid.UUID, uuid.UUID]] = []
    # In chunks: a crisis tells a whole neighbourhood at once, and a statement takes at most
    # 32,767 arguments through asyncpg (and 32,766 in many SQLite builds).
    for start in range(0, len(rows), CHUNK):
        result = await session.exec(
            insert.values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["resident_id", "dedupe_key"])
            .returning(col(Notification.id), col(Notification.resident_id))
        )
        made += [(notification_id, resident_id) for notification_id, resident_id in result.all()]
    session.info.setdefault(NOTIFIED, set()).update(resident_id for _, resident_id in made)
    for notification_id, _ in made:
        changes.note(session, SyncKind.notification, notification_id)
    await webhooks.emit_each(  # for the integrator's push gateway: ids only
        session,
        WebhookEventType.notification_created,
        [{"notification_id": n, "resident_id": r} for n, r in made],
    )
    return len(made)


async def inbox(
    session: AsyncSession,
    resident: Resident,
    unread_only: bool,
    cursor: str | None,
    limit: int,
) -> Page[NotificationPublic]:
    """Newest first, keyset-paged on (created_at, id)."""
    query = select(Notification).where(Notification.resident_id == resident.id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    if cursor is not None:
        at, last = posts.decode_time_cursor(cursor)
        query = query.where(
            or_(
                col(Notification.created_at) < at,
                and_(col(Notification.created_at) == at, col(Notification.id) < last),
            )
        )
    rows = (
        await session.exec(
            query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(
                limit + 1
            )
        )
    ).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = posts.encode_time_cursor(page[-1].created_at, page[-1].id)
    return Page[NotificationPublic](items=[public(n) for n in page], next_cursor=next_cursor)


def public(notification: Notification) -> NotificationPublic:
    return NotificationPublic(
        id=notification.id,
        kind=notification.kind,
        title=notification.title,
        data=notification.data,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


async def mark_read(
    session: AsyncSession, resident: Resident, notification_id: uuid.UUID
) -> NotificationPublic:
    """Safe to repeat: the first reading time stays."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.resident_id != resident.id:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
    return public(notification)
