"""The in-app inbox: match changes, connection asks, event reminders, report outcomes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.base import Page
from models.notifications import NotificationPublic
from services import notifications

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


@router.get("", responses=problems(401, 422))
async def inbox(
    resident: CurrentResident,
    session: SessionDep,
    unread: Annotated[bool, Query(description="Only those not yet read.")] = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[NotificationPublic]:
    """Your notifications, newest first."""
    return await notifications.inbox(session, resident, unread, cursor, limit)


@router.post("/{notification_id}/read", responses=problems(401, 404, 422))
async def mark_read(
    notification_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> NotificationPublic:
    """Mark one as read. Safe to repeat."""
    return await notifications.mark_read(session, resident, notification_id)
