"""Registering phones for push: the same token is one device, tokens are never shown back,
and each new notification reaches the push gateway as a webhook of ids."""

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.webhooks import WebhookDelivery, WebhookEndpoint
from tests.factories import register

TOKEN = "fcm:a1b2c3d4e5f6g7h8i9j0"


async def test_a_phone_registering_at_every_start_is_one_device(client: httpx.AsyncClient) -> None:
    rosa, other = await register(client), await register(client)

    first = await client.post("/v1/devices", headers=rosa.headers,
                              json={"platform": "android", "push_token": TOKEN})  # fmt: skip
    again = await client.post("/v1/devices", headers=rosa.headers,
                              json={"platform": "android", "push_token": TOKEN})  # fmt: skip
    listed = await client.get("/v1/devices", headers=rosa.headers)
    not_theirs = await client.delete(f"/v1/devices/{first.json()['id']}", headers=other.headers)
    forgotten = await client.delete(f"/v1/devices/{first.json()['id']}", headers=rosa.headers)

    assert first.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    assert len(listed.json()["items"]) == 1
    assert TOKEN not in listed.text
    assert not_theirs.status_code == 404
    assert forgotten.status_code == 204


async def test_a_new_notification_is_announced_to_the_push_gateway_with_ids_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    session.add(
        WebhookEndpoint(
            url="https://push.example.org/kith",
            event_types=["notification.created"],
            secret="whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtMTIzNA==",
        )
    )
    await session.flush()
    rosa, asker = await register(client), await register(client, display_name="Sam Asker")

    await client.post("/v1/connections", headers=asker.headers, json={"resident_id": str(rosa.id)})
    (queued,) = (await session.exec(select(WebhookDelivery))).all()

    assert queued.event_type == "notification.created"
    data = queued.payload["data"]
    assert isinstance(data, dict)
    assert set(data) == {"notification_id", "resident_id"}
    assert "Sam" not in str(queued.payload)
