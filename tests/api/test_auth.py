import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.db import Database
from api.settings import Settings
from models.auth import RefreshToken
from models.residents import Resident
from services import geo
from tests.factories import HOME, PASSWORD, register, registration, sign_in, unique_email


async def test_register_keeps_only_the_cell(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = registration(display_name="  Sam  ")
    response = await client.post("/v1/auth/register", json=body)

    assert response.status_code == 201
    me = response.json()
    assert me["display_name"] == "Sam"
    assert me["home_cell"] == geo.cell_of(HOME["lat"], HOME["lon"], 8)
    assert "password" not in response.text
    stored = await session.get(Resident, uuid.UUID(me["id"]))
    assert stored is not None
    row = stored.model_dump()
    assert HOME["lat"] not in row.values()
    assert HOME["lon"] not in row.values()
    assert stored.password_hash.startswith("$argon2id$")


async def test_register_normalises_email_and_refuses_duplicates(client: httpx.AsyncClient) -> None:
    email = unique_email()
    first = await client.post("/v1/auth/register", json=registration(email=email))
    again = await client.post("/v1/auth/register", json=registration(email=email.upper()))

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == "/problems/conflict"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "password1234"}, ["body", "password"]),
        ({"password": "Ab3$xyz"}, ["body", "password"]),
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"home": {"lat": 91, "lon": 0}}, ["body", "home", "lat"]),
        ({"display_name": "x" * 81}, ["body", "display_name"]),
    ],
)
async def test_register_rejects_bad_input_with_field_paths(
    client: httpx.AsyncClient, session: AsyncSession, change: dict[str, object], field: list[str]
) -> None:
    body = registration(**change)
    response = await client.post("/v1/auth/register", json=body)

    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert field in [error["loc"] for error in problem["errors"]]
    assert str(body["password"]) not in response.text  # never echoed back
    found = await session.exec(select(Resident).where(Resident.email == body["email"]))
    assert found.first() is None


async def test_password_built_from_own_email_is_weak(client: httpx.AsyncClient) -> None:
    email = unique_email("margaret.hughes")
    response = await client.post(
        "/v1/auth/register", json=registration(email=email, password=email.split("@")[0] + "1")
    )
    assert response.status_code == 422


async def test_token_then_me(client: httpx.AsyncClient) -> None:
    account = await register(client)
    me = await client.get("/v1/me", headers=account.headers)

    assert me.status_code == 200
    assert me.json()["email"] == account.email


async def test_wrong_password_and_unknown_email_look_alike(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    account = await register(client)
    calls: list[str | None] = []
    hasher = app.state.hasher
    original = hasher.verify_and_update

    async def counting(password: str, password_hash: str | None) -> tuple[bool, str | None]:
        calls.append(password_hash)
        matched, updated = await original(password, password_hash)
        return bool(matched), updated

    hasher.verify_and_update = counting
    wrong = await client.post(
        "/v1/auth/token", data={"username": account.email, "password": "not-my-password"}
    )
    unknown = await client.post(
        "/v1/auth/token", data={"username": unique_email(), "password": "not-my-password"}
    )

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() | {"instance": None} == unknown.json() | {"instance": None}
    assert wrong.headers["www-authenticate"] == "Bearer"
    # Both paths paid for one argon2 check: the unknown email against a dummy hash.
    assert len(calls) == 2
    assert calls[1] is None


async def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    account = await register(client)
    first = await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != account.refresh_token

    replay = await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    # The thief's replay ended the sign-in: the legitimate newer token is dead too.
    after = await client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401


async def test_family_revocation_survives_the_failed_request(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    account = await register(client)
    await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})

    tokens = (
        await session.exec(select(RefreshToken).where(RefreshToken.resident_id == account.id))
    ).all()
    assert len(tokens) == 2
    assert all(token.revoked_at is not None for token in tokens)


async def test_other_sign_ins_survive_a_revoked_family(client: httpx.AsyncClient) -> None:
    account = await register(client)
    phone = await sign_in(client, account.email)
    await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})

    still = await client.post("/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert still.status_code == 200


async def test_logout_ends_the_sign_in(client: httpx.AsyncClient) -> None:
    account = await register(client)
    out = await client.post("/v1/auth/logout", json={"refresh_token": account.refresh_token})
    again = await client.post("/v1/auth/logout", json={"refresh_token": account.refresh_token})
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})

    assert out.status_code == again.status_code == 204
    assert refresh.status_code == 401


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."],
)
async def test_bad_access_tokens_are_401_problems(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_expired_access_token_is_refused(client: httpx.AsyncClient) -> None:
    account = await register(client)
    almost = datetime.now(UTC) + timedelta(seconds=890)
    expired = datetime.now(UTC) + timedelta(seconds=910)  # access tokens live 900 s

    with time_machine.travel(almost, tick=False):
        still = await client.get("/v1/me", headers=account.headers)
    with time_machine.travel(expired, tick=False):
        later = await client.get("/v1/me", headers=account.headers)

    assert still.status_code == 200
    assert later.status_code == 401


async def test_login_is_throttled_per_account(client: httpx.AsyncClient) -> None:
    account = await register(client)
    statuses = []
    for _ in range(6):
        response = await client.post(
            "/v1/auth/token", data={"username": account.email, "password": "wrong-password"}
        )
        statuses.append(response.status_code)

    assert statuses[:4] == [401] * 4  # the registration factory's sign-in was the first
    assert statuses[4:] == [429, 429]
    last = await client.post(
        "/v1/auth/token", data={"username": account.email, "password": PASSWORD}
    )
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) >= 1
    assert last.headers["content-type"] == "application/problem+json"


async def test_login_is_throttled_per_client_address(client: httpx.AsyncClient) -> None:
    statuses = []
    for _ in range(21):
        response = await client.post(
            "/v1/auth/token", data={"username": unique_email(), "password": "wrong-password"}
        )
        statuses.append(response.status_code)

    assert set(statuses[:20]) == {401}
    assert statuses[20] == 429


async def test_logout_also_ends_the_access_token(client: httpx.AsyncClient) -> None:
    """A resident who signs out a lost phone expects it signed out now, not in 15 minutes."""
    account = await register(client)
    other_device = await sign_in(client, account.email)
    await client.post("/v1/auth/logout", json={"refresh_token": account.refresh_token})

    ended = await client.get("/v1/me", headers=account.headers)
    other = await client.get(
        "/v1/me", headers={"Authorization": f"Bearer {other_device['access_token']}"}
    )

    assert ended.status_code == 401
    assert other.status_code == 200


async def test_refresh_token_reuse_also_ends_access_tokens(client: httpx.AsyncClient) -> None:
    account = await register(client)
    rotated = (
        await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    ).json()
    await client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})

    response = await client.get(
        "/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert response.status_code == 401


async def test_sign_in_brings_an_old_hash_up_to_the_current_cost(
    client: httpx.AsyncClient, settings: Settings, test_database: Database, session: AsyncSession
) -> None:
    account = await register(client)
    stronger = settings.model_copy(
        update={"auth": settings.auth.model_copy(update={"argon2_time_cost": 2})}
    )
    app = create_app(stronger, database=test_database)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as upgraded:
            await sign_in(upgraded, account.email)

    stored = await session.get(Resident, account.id)
    assert stored is not None
    await session.refresh(stored)
    assert ",t=2," in stored.password_hash
