"""General rate limits: every request but the probes is counted per address and per API key
or signed-in resident, says so in RateLimit-Policy / RateLimit, and past a quota gets a 429
problem before it reaches a route; with Redis, replicas share the counts."""

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
import redis.asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.db import Database
from api.settings import RateLimitSettings
from models.offers import Offer
from tests.api.test_offers import offer_body
from tests.api.test_ratelimit import redis_url  # noqa: F401  (a fixture: skips without Redis)
from tests.conftest import test_settings as settings_for
from tests.factories import make_admin, register


@asynccontextmanager
async def running(
    database_url: str,
    database: Database,
    redis: str | None = None,
    **limits: str,
) -> AsyncIterator[FastAPI]:
    settings = settings_for(
        database_url, redis_url=redis, rate_limits=RateLimitSettings.model_validate(limits)
    )
    app = create_app(settings, database=database)
    async with LifespanManager(app):
        yield app


def calling(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def tightest(response: httpx.Response) -> tuple[str, int, int]:
    """The RateLimit field, parsed: (policy, remaining, seconds to reset)."""
    name, *parameters = response.headers["RateLimit"].split(";")
    values = dict(parameter.split("=") for parameter in parameters)
    return name.strip('"'), int(values["r"]), int(values["t"])


async def test_every_response_names_its_policies_and_counts_down(
    database_url: str, test_database: Database
) -> None:
    # Hour-long windows: a minute boundary in mid-test would blur the sliding count.
    async with (
        running(database_url, test_database, per_address="50/hour", per_resident="20/hour") as app,
        calling(app) as client,
    ):
        first = await client.get("/v1/categories")
        second = await client.get("/v1/categories")
        account = await register(client)
        me = await client.get("/v1/me", headers=account.headers)
        me_again = await client.get("/v1/me", headers=account.headers)

    assert first.status_code == second.status_code == me.status_code == 200
    assert first.headers["RateLimit-Policy"] == '"address";q=50;w=3600'
    assert tightest(first)[:2] == ("address", 49)
    assert tightest(second)[:2] == ("address", 48)
    assert me.headers["RateLimit-Policy"] == '"address";q=50;w=3600, "resident";q=20;w=3600'
    assert tightest(me)[:2] == ("resident", 19)
    assert tightest(me_again)[:2] == ("resident", 18)


async def test_a_request_over_the_quota_is_refused_before_the_route(
    database_url: str, test_database: Database, session: AsyncSession
) -> None:
    async with (
        running(database_url, test_database, per_address="100/hour", per_resident="2/hour") as app,
        calling(app) as client,
    ):
        owner = await register(client)
        posted = [
            await client.post("/v1/offers", headers=owner.headers, json=offer_body(title=title))
            for title in ("Shelves put up", "Bikes mended", "One too many")
        ]

    *accepted, refused = posted
    assert [r.status_code for r in accepted] == [201, 201]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "/problems/rate-limited"
    assert problem["status"] == 429
    assert problem["instance"] == "/v1/offers"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert tightest(refused) == ("resident", 0, retry_after)
    assert '"resident";q=2;w=3600' in refused.headers["RateLimit-Policy"]
    stored = await session.exec(
        select(func.count()).select_from(Offer).where(col(Offer.owner_id) == owner.id)
    )
    assert stored.one() == 2


async def test_one_resident_using_up_their_quota_leaves_another_alone(
    database_url: str, test_database: Database
) -> None:
    async with (
        running(database_url, test_database, per_address="100/hour", per_resident="3/hour") as app,
        calling(app) as client,
    ):
        busy, other = await register(client), await register(client)
        busy_calls = [await client.get("/v1/me", headers=busy.headers) for _ in range(4)]
        other_call = await client.get("/v1/me", headers=other.headers)

    assert [r.status_code for r in busy_calls] == [200, 200, 200, 429]
    assert other_call.status_code == 200
    assert tightest(other_call)[:2] == ("resident", 2)


async def test_an_api_key_has_a_quota_of_its_own(
    database_url: str, test_database: Database, session: AsyncSession
) -> None:
    limits = {"per_address": "1000/hour", "per_resident": "100/hour", "per_api_key": "2/hour"}
    async with running(database_url, test_database, **limits) as app, calling(app) as client:
        admin = await make_admin(client, session)
        org = await register(client, display_name="Food bank")
        issued = await client.post(
            "/v1/api-keys",
            headers=admin.headers,
            json={"name": "Rota", "resident_id": str(org.id), "scopes": ["offers:read"]},
        )
        key = issued.json()["key"]
        by_header = [await client.get("/v1/offers", headers={"X-API-Key": key}) for _ in range(2)]
        # The same key as a bearer token is the same caller.
        by_bearer = await client.get("/v1/offers", headers={"Authorization": f"Bearer {key}"})
        as_the_resident = await client.get("/v1/offers", headers=org.headers)

    assert [r.status_code for r in by_header] == [200, 200]
    assert by_header[0].headers["RateLimit-Policy"] == (
        '"address";q=1000;w=3600, "api-key";q=2;w=3600'
    )
    assert tightest(by_header[1])[:2] == ("api-key", 0)
    assert by_bearer.status_code == 429
    assert tightest(by_bearer)[0] == "api-key"
    assert as_the_resident.status_code == 200
    assert tightest(as_the_resident)[:2] == ("resident", 99)


async def test_a_token_that_does_not_verify_counts_by_address_alone(
    database_url: str, test_database: Database
) -> None:
    now = datetime.now(UTC)
    forged = jwt.encode(
        {"sub": str(uuid.uuid4()), "fam": str(uuid.uuid4()), "iss": "kith", "iat": now,
         "exp": now + timedelta(minutes=5)},
        "someone-else's-secret-of-enough-length-to-sign",
        algorithm="HS256",
    )  # fmt: skip
    async with (
        running(database_url, test_database, per_address="100/hour") as app,
        calling(app) as client,
    ):
        answers = [
            await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
            for token in (forged, "not-a-token")
        ]

    for answer in answers:
        assert answer.status_code == 401
        assert answer.headers["RateLimit-Policy"] == '"address";q=100;w=3600'
    assert [tightest(a)[:2] for a in answers] == [("address", 99), ("address", 98)]


async def test_each_address_has_a_quota_of_its_own(
    database_url: str, test_database: Database
) -> None:
    async with running(database_url, test_database, per_address="2/hour") as app:
        async with calling(app, "198.51.100.1") as client:
            first = [(await client.get("/v1/categories")).status_code for _ in range(3)]
        async with calling(app, "198.51.100.2") as client:
            second = await client.get("/v1/categories")

    assert first == [200, 200, 429]
    assert second.status_code == 200


async def test_probes_and_metrics_are_never_limited(
    database_url: str, test_database: Database
) -> None:
    async with (
        running(database_url, test_database, per_address="1/hour") as app,
        calling(app) as client,
    ):
        probes = [await client.get(path) for path in ("/healthz", "/readyz", "/metrics") * 2]
        counted = [(await client.get("/v1/categories")).status_code for _ in range(2)]

    assert [p.status_code for p in probes] == [200] * 6
    assert not any("RateLimit" in p.headers for p in probes)
    assert counted == [200, 429]  # the limit was in force all along


async def test_replicas_share_counts_through_redis(
    database_url: str,
    test_database: Database,
    redis_url: str,  # noqa: F811  (the fixture imported above)
) -> None:
    address = f"redis-test-{uuid.uuid4().hex}"  # Redis outlives the test: a fresh caller
    async with (
        running(database_url, test_database, redis_url, per_address="3/hour") as one,
        running(database_url, test_database, redis_url, per_address="3/hour") as two,
        calling(one, address) as first,
        calling(two, address) as second,
    ):
        answers = [await client.get("/v1/categories") for client in (first, second, first, second)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [tightest(a)[1] for a in answers] == [2, 1, 0, 0]


async def test_the_store_never_holds_a_key_or_token(
    database_url: str,
    test_database: Database,
    session: AsyncSession,
    redis_url: str,  # noqa: F811
) -> None:
    async with (
        running(database_url, test_database, redis_url) as app,
        calling(app, f"redis-test-{uuid.uuid4().hex}") as client,
    ):
        admin = await make_admin(client, session)
        issued = await client.post(
            "/v1/api-keys",
            headers=admin.headers,
            json={"name": "Rota", "resident_id": str(admin.id), "scopes": ["offers:read"]},
        )
        key = issued.json()["key"]
        with_key = await client.get("/v1/offers", headers={"X-API-Key": key})

    store = redis.asyncio.from_url(redis_url)
    try:
        names = [name.decode() async for name in store.scan_iter(count=1000)]
    finally:
        await store.aclose()
    assert with_key.status_code == 200
    assert any(hashlib.sha256(key.encode()).hexdigest() in name for name in names)
    assert any(str(admin.id) in name for name in names)
    assert not any(key in name or admin.access_token in name for name in names)


async def test_limits_step_aside_when_the_store_is_down(
    database_url: str, test_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kith.ratelimit")
    async with (
        running(database_url, test_database, "redis://127.0.0.1:1/0", per_address="1/hour") as app,
        calling(app) as client,
    ):
        answers = [await client.get("/v1/categories") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert "RateLimit" not in answers[0].headers
    assert [r.message for r in caplog.records] == ["rate limits unavailable"] * 2
