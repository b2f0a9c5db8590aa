"""Webhook endpoints for integrators (admins manage them) and their delivery log."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentAdmin, SessionDep, WebhookPolicyDep
from api.errors import problems
from models.base import Page
from models.webhooks import DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic
from services import webhooks

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def create(
    data: WebhookCreate, admin: CurrentAdmin, session: SessionDep, policy: WebhookPolicyDep
) -> WebhookCreated:
    """Subscribe a URL to event types. Deliveries are signed per Standard Webhooks with the
    secret returned here, once. Payloads carry the type, the time and ids, never personal
    details. A 410 answer disables the endpoint."""
    return await webhooks.create(session, admin, data, policy)


@router.get("", responses=problems(401, 404, 422))
async def list_webhooks(
    _admin: CurrentAdmin, session: SessionDep, cursor: Cursor = None, limit: Limit = 20
) -> Page[WebhookPublic]:
    """Every endpoint, oldest first (secrets are never shown again)."""
    return await webhooks.listing(session, cursor, limit)


@router.delete(
    "/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422)
)
async def remove(webhook_id: uuid.UUID, _admin: CurrentAdmin, session: SessionDep) -> None:
    """Stop and forget an endpoint, with its pending deliveries."""
    await webhooks.remove(session, webhook_id)


@router.get("/{webhook_id}/deliveries", responses=problems(401, 404, 422))
async def deliveries(
    webhook_id: uuid.UUID,
    _admin: CurrentAdmin,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[DeliveryPublic]:
    """What was sent, how often it was tried, and how it went."""
    return await webhooks.deliveries(session, webhook_id, cursor, limit)
