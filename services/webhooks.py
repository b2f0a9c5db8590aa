"""Webhook endpoints (for admins, on behalf of integrators) and the outbox they read from.

`emit` is called inside the transaction that makes the change, so a delivery exists exactly
when the change does. Payloads are thin: the type, the time and ids; never a name, a note
or a place. The integrator fetches what its key lets it see."""

import base64
import secrets
import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.residents import Resident
from models.webhooks import (
    DeliveryPublic,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookPublic,
)
from services import webhook_urls
from services.errors import NotFound
from services.posts import FeedKey, paginate
from services.webhook_urls import WebhookPolicy


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _public(endpoint: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic(
        id=endpoint.id,
        url=endpoint.url,
        event_types=endpoint.event_types,
        description=endpoint.description,
        created_at=endpoint.created_at,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
    )


async def create(
    session: AsyncSession, admin: Resident, data: WebhookCreate, policy: WebhookPolicy
) -> WebhookCreated:
    url = await webhook_urls.validate(data.url, policy)
    endpoint = WebhookEndpoint(
        url=url,
        event_types=sorted({t.value for t in data.event_types}),
        description=data.description,
        secret=_secret(),
        created_by=admin.id,
    )
    session.add(endpoint)
    await session.flush()
    return WebhookCreated(**_public(endpoint).model_dump(), secret=endpoint.secret)


async def listing(session: AsyncSession, cursor: str | None, limit: int) -> Page[WebhookPublic]:
    rows = (await session.exec(select(WebhookEndpoint))).all()
    page, next_cursor = paginate(
        ((FeedKey.of(0, e.created_at, e.id), e) for e in rows), cursor, limit
    )
    return Page[WebhookPublic](items=[_public(e) for e in page], next_cursor=next_cursor)


async def remove(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("No such webhook.")
    await session.delete(endpoint)


async def deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[DeliveryPublic]:
    if await session.get(WebhookEndpoint, endpoint_id) is None:
        raise NotFound("No such webhook.")
    rows = (
        await session.exec(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        )
    ).all()
    page, next_cursor = paginate(
        ((FeedKey.of(0, d.created_at, d.id), d) for d in rows), cursor, limit
    )
    return Page[DeliveryPublic](
        items=[
            DeliveryPublic(
                id=message_id(d),
                event_type=d.event_type,
                status=d.status,
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.pending else None,
                last_status_code=d.last_status_code,
                last_error=d.last_error,
                delivered_at=d.delivered_at,
                created_at=d.created_at,
            )
            for d in page
        ],
        next_cursor=next_cursor,
    )


def message_id(delivery: WebhookDelivery) -> str:
    return f"msg_{delivery.id.hex}"


async def emit(session: AsyncSession, event_type: WebhookEventType, **ids: Any) -> None:
    """Queue a delivery to every live endpoint subscribed to this type. `ids` are ids only."""
    await emit_each(session, event_type, [ids])


async def emit_each(
    session: AsyncSession, event_type: WebhookEventType, events: list[dict[str, Any]]
) -> None:
    """`emit` for many events of one type (one per notification of a crisis alert to a whole
    neighbourhood, say), reading the endpoints once."""
    endpoints = [
        endpoint
        for endpoint in (
            await session.exec(
                select(WebhookEndpoint).where(col(WebhookEndpoint.disabled_at).is_(None))
            )
        ).all()
        if event_type.value in endpoint.event_types
    ]
    if not endpoints:
        return
    now = utcnow()
    for ids in events:
        payload: dict[str, object] = {
            "type": event_type.value,
            "timestamp": now.isoformat(),
            "data": {name: str(value) for name, value in ids.items()},
        }
        for endpoint in endpoints:
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    event_type=event_type.value,
                    payload=payload,
                    next_attempt_at=now,
                )
            )
