"""Sending the webhook outbox: signed per Standard Webhooks, retried with exponential
backoff and jitter for about a day, at least once each (receivers drop repeats by
`webhook-id`). Any number of workers may run: each leases its batch first (FOR UPDATE SKIP
LOCKED on PostgreSQL), and a worker that dies mid-send leaves the lease to lapse, so the
message goes again with the same id."""

import json
import random
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks.webhooks import Webhook

from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from services import webhook_urls
from services.webhook_urls import RefusedAddress, WebhookPolicy
from services.webhooks import message_id

# `Database.transaction` from the API layer: one committed transaction per call.
Transactions = Callable[[], AbstractAsyncContextManager[AsyncSession]]

BATCH = 50
LEASE = timedelta(seconds=60)
TIMEOUT_S = 10.0
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 13  # 30 s doubling to 6 h: about a day and a quarter in all


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """The wait after the given number of failed attempts, with ±20% jitter so that many
    messages failing together do not return together."""
    wait: timedelta = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)
    return wait * rng.uniform(0.8, 1.2)


@dataclass(frozen=True)
class Leased:
    delivery_id: str
    id: object
    url: str
    secret: str
    payload: dict[str, object]


@dataclass(frozen=True)
class Sent:
    attempted: int
    delivered: int


async def _lease(transaction: Transactions, now: datetime) -> list[Leased]:
    async with transaction() as session:
        rows = await session.exec(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == DeliveryStatus.pending)
            .where(col(WebhookDelivery.next_attempt_at) <= now)
            .where(
                or_(
                    col(WebhookDelivery.leased_until).is_(None),
                    col(WebhookDelivery.leased_until) <= now,
                )
            )
            .where(col(WebhookEndpoint.disabled_at).is_(None))
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        leased = []
        for delivery, endpoint in rows.all():
            delivery.leased_until = now + LEASE
            delivery.attempts += 1
            session.add(delivery)
            leased.append(
                Leased(message_id(delivery), delivery.id, endpoint.url, endpoint.secret,
                       delivery.payload)
            )  # fmt: skip
        return leased


async def _send(
    http: httpx.AsyncClient, item: Leased, now: datetime, policy: WebhookPolicy
) -> tuple[int | None, str]:
    try:
        await webhook_urls.check(item.url, policy)  # DNS may have changed since it was made
    except RefusedAddress as exc:
        return None, str(exc)
    body = json.dumps(item.payload, separators=(",", ":"))
    signature = Webhook(item.secret).sign(item.delivery_id, now, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": item.delivery_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    try:
        response = await http.post(item.url, content=body, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}"[:300]
    return response.status_code, ""


async def deliver_due(
    transaction: Transactions,
    http: httpx.AsyncClient,
    now: datetime,
    policy: WebhookPolicy,
    rng: random.Random | None = None,
) -> Sent:
    rng = rng or random.Random()
    leased = await _lease(transaction, now)
    delivered = 0
    for item in leased:
        code, error = await _send(http, item, now, policy)
        async with transaction() as session:
            delivery = await session.get(WebhookDelivery, item.id)
            if delivery is None:
                continue  # the endpoint was removed meanwhile
            delivery.leased_until = None
            delivery.last_status_code, delivery.last_error = code, error
            if code is not None and 200 <= code < 300:
                delivery.status, delivery.delivered_at = DeliveryStatus.delivered, now
                delivered += 1
            elif code == 410:  # "gone": the receiver asks us to stop
                delivery.status = DeliveryStatus.failed
                endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
                if endpoint is not None and endpoint.disabled_at is None:
                    endpoint.disabled_at = now
                    endpoint.disabled_reason = "The receiver answered 410 Gone."
                    session.add(endpoint)
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.failed
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts, rng)
            session.add(delivery)
    return Sent(attempted=len(leased), delivered=delivered)
