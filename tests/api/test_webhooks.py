"""Webhooks: where they may go, signed thin payloads that a real receiver verifies, retries
with the same id, and 410 turning an endpoint off."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks.webhooks import Webhook

from api.db import Database
from api.settings import Settings, webhook_policy
from models.base import utcnow
from models.webhooks import WebhookDelivery, WebhookEndpoint
from services import webhook_delivery
from tests.api.test_requests import post_request
from tests.conftest import test_settings as settings_for
from tests.factories import Account, make_admin, register
from tests.support.receiver import Receiver, receiver


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, webhook_allowed_hosts="127.0.0.1")


async def _subscribe(
    client: httpx.AsyncClient, admin: Account, url: str, *types: str
) -> httpx.Response:
    return await client.post(
        "/v1/webhooks", headers=admin.headers, json={"url": url, "event_types": list(types)}
    )


async def _deliver(test_database: Database, settings: Settings, minutes: float = 0) -> Any:
    async with httpx.AsyncClient() as http:
        return await webhook_delivery.deliver_due(
            test_database.transaction,
            http,
            utcnow() + timedelta(minutes=minutes),
            webhook_policy(settings),
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7/hook",  # a private network
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://localhost/hook",  # this machine, by name
        "http://example.org/hook",  # plain http to a host nobody allowed
        "ftp://example.org/hook",
    ],
)
async def test_webhooks_cannot_point_inwards_or_go_unencrypted(
    client: httpx.AsyncClient, session: AsyncSession, url: str
) -> None:
    admin = await make_admin(client, session)
    response = await _subscribe(client, admin, url, "request.created")
    assert response.status_code == 422, response.text


async def test_only_admins_manage_webhooks(client: httpx.AsyncClient, hook: Receiver) -> None:
    resident = await register(client)
    response = await _subscribe(client, resident, hook.url, "request.created")
    assert response.status_code == 404


async def test_a_real_receiver_verifies_the_signature_of_a_thin_payload(
    client: httpx.AsyncClient,
    session: AsyncSession,
    test_database: Database,
    settings: Settings,
    hook: Receiver,
) -> None:
    admin = await make_admin(client, session)
    made = await _subscribe(client, admin, hook.url, "request.created")
    rosa = await register(client)
    request = await post_request(client, rosa, title="Milk for Mrs Price at 4 Elm Road")

    sent = await _deliver(test_database, settings)

    assert made.status_code == 201, made.text
    assert (sent.attempted, sent.delivered) == (1, 1)
    (arrived,) = hook.received
    payload = Webhook(made.json()["secret"]).verify(arrived.body, arrived.headers)
    assert payload["type"] == "request.created"
    assert payload["data"] == {"request_id": request["id"]}
    assert b"Elm Road" not in arrived.body
    assert b"Price" not in arrived.body


async def test_a_failed_delivery_is_retried_later_with_the_same_id(
    client: httpx.AsyncClient,
    session: AsyncSession,
    test_database: Database,
    settings: Settings,
    hook: Receiver,
) -> None:
    admin = await make_admin(client, session)
    made = await _subscribe(client, admin, hook.url, "request.created")
    hook.answers = [500]
    await post_request(client, await register(client))

    first = await _deliver(test_database, settings)
    too_soon = await _deliver(test_database, settings, minutes=0.1)
    later = await _deliver(test_database, settings, minutes=2)
    log = await client.get(f"/v1/webhooks/{made.json()['id']}/deliveries", headers=admin.headers)

    assert (first.delivered, too_soon.attempted, later.delivered) == (0, 0, 1)
    assert [r.headers["webhook-id"] for r in hook.received] == [
        hook.received[0].headers["webhook-id"]
    ] * 2
    (entry,) = log.json()["items"]
    assert (entry["status"], entry["attempts"], entry["id"]) == (
        "delivered",
        2,
        hook.received[0].headers["webhook-id"],
    )


async def test_a_410_turns_the_endpoint_off(
    client: httpx.AsyncClient,
    session: AsyncSession,
    test_database: Database,
    settings: Settings,
    hook: Receiver,
) -> None:
    admin = await make_admin(client, session)
    await _subscribe(client, admin, hook.url, "request.created")
    hook.answers = [410]
    rosa = await register(client)
    await post_request(client, rosa)

    await _deliver(test_database, settings)
    await post_request(client, rosa, title="Another request")
    queued_after = (await session.exec(select(WebhookDelivery))).all()
    endpoint = (await session.exec(select(WebhookEndpoint))).one()

    assert endpoint.disabled_at is not None
    assert len(queued_after) == 1  # nothing more is queued for a disabled endpoint
