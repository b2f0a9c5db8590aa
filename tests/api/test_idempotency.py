"""A phone that retries a create on a bad connection must not post twice."""

from datetime import UTC, datetime, timedelta

import httpx
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from services import idempotency
from tests.api.test_offers import offer_body
from tests.api.test_requests import request_body
from tests.factories import register, sign_in


async def test_a_retried_create_returns_the_first_answer(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    headers = owner.headers | {"Idempotency-Key": "3f7c1d2e-offer-1"}

    first = await client.post("/v1/offers", headers=headers, json=offer_body())
    retry = await client.post("/v1/offers", headers=headers, json=offer_body())
    mine = await client.get("/v1/offers", headers=owner.headers, params={"mine": "true"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(mine.json()["items"]) == 1


async def test_a_key_reused_for_a_different_body_is_refused(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    headers = owner.headers | {"Idempotency-Key": "key-1"}

    await client.post("/v1/requests", headers=headers, json=request_body())
    different = await client.post(
        "/v1/requests", headers=headers, json=request_body(title="Something else entirely")
    )
    other_kind = await client.post("/v1/offers", headers=headers, json=offer_body())

    assert different.status_code == other_kind.status_code == 422
    assert different.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_keys_belong_to_one_resident(client: httpx.AsyncClient) -> None:
    first, second = await register(client), await register(client)
    key = {"Idempotency-Key": "shared-key"}

    a = await client.post("/v1/offers", headers=first.headers | key, json=offer_body())
    b = await client.post("/v1/offers", headers=second.headers | key, json=offer_body())

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_without_a_key_each_call_creates(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    a = await client.post("/v1/offers", headers=owner.headers, json=offer_body())
    b = await client.post("/v1/offers", headers=owner.headers, json=offer_body())
    assert a.json()["id"] != b.json()["id"]


async def test_a_failed_create_leaves_the_key_free(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    headers = owner.headers | {"Idempotency-Key": "retry-after-fix"}

    refused = await client.post(
        "/v1/offers", headers=headers, json=offer_body(category="personal_care")
    )
    fixed = await client.post("/v1/offers", headers=headers, json=offer_body())

    assert refused.status_code == 422
    assert fixed.status_code == 201


async def test_a_key_is_forgotten_after_a_day(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await register(client)
    headers = owner.headers | {"Idempotency-Key": "daily-key"}
    first = await client.post("/v1/offers", headers=headers, json=offer_body())

    pruned_early = await idempotency.prune(session, utcnow())
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
        owner.access_token = (await sign_in(client, owner.email))["access_token"]
        headers = owner.headers | {"Idempotency-Key": "daily-key"}
        next_day = await client.post("/v1/offers", headers=headers, json=offer_body())
        pruned = await idempotency.prune(session, utcnow())
        pruned_a_day_on = await idempotency.prune(session, utcnow() + timedelta(hours=25))

    assert pruned_early == 0
    assert next_day.status_code == 201
    assert next_day.json()["id"] != first.json()["id"]  # a new post, not a replay
    assert pruned == 0  # the old record made way for the new one; the new one is young
    assert pruned_a_day_on == 1
