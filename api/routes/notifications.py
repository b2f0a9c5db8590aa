"""The in-app inbox: match changes, connection asks, event reminders, report outcomes."""

import uuid
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse

from api import live
from api.deps import (
    AccessToken,
    CurrentResident,
    DatabaseDep,
    LiveDep,
    SessionDep,
    SettingsDep,
    TokensDep,
)
from api.errors import problems
from models.base import Page
from models.notifications import NotificationPublic
from services import notification_stream, notifications

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


_STREAM_DESCRIPTION = """\
An endless `text/event-stream`. Each new notification comes as one event:

```
id: <an opaque cursor>
event: notification
data: <the notification as JSON, as in the inbox>
```

Lines starting with `:` are comments (a keepalive every few seconds); the first one also
sets `retry:`. After a dropped connection, reconnect with the `id` of the last event you
received as `Last-Event-ID`: you get what you missed (at most 100, none older than a day; the
inbox has everything). Without it the stream starts from now. The stream ends when the sign-in
ends or the access token expires: reconnect with a fresh token and `Last-Event-ID`.
"""


class _EventStream(EventSourceResponse):
    media_type = "text/event-stream"  # what the OpenAPI document names


@router.get(
    "/stream",
    response_class=_EventStream,
    responses={
        200: {
            "description": _STREAM_DESCRIPTION,
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problems(401, 422, 429),
    },
)
async def stream(
    resident: CurrentResident,
    access_token: AccessToken,
    database: DatabaseDep,
    bus: LiveDep,
    tokens: TokensDep,
    settings: SettingsDep,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=1000,
            description="The `id` of the last event received, to resume after it.",
        ),
    ] = None,
) -> EventSourceResponse:
    """Your new notifications as they arrive (server-sent events). A few streams at once
    per person (429 past that)."""
    position = notification_stream.Position.from_cursor(last_event_id) if last_event_id else None
    bus.check_room(resident.id)
    closing = anyio.Event()
    events = live.follow(
        bus,
        database,
        tokens,
        access_token,
        resident.id,
        position,
        settings.live.keepalive_s,
        closing,
    )
    # Our own keepalive (which also re-reads) replaces the library's ping. A client that
    # stops reading is dropped rather than buffered for. On shutdown the stream ends itself
    # (a complete response) within the grace period, else it is cut off.
    return _EventStream(
        events, ping=0, send_timeout=30, shutdown_event=closing, shutdown_grace_period=2
    )
