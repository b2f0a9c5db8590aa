"""Every error is an RFC 9457 problem, and a failed request leaves nothing behind."""

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.db import Database
from api.settings import HttpSettings, Settings
from models.residents import Resident
from tests.factories import registration


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["type"]
    return problem


async def test_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    problem = _is_problem(await client.get("/v1/nothing-here"), 404)
    assert problem["instance"] == "/v1/nothing-here"


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/auth/register")
    _is_problem(response, 405)
    assert "POST" in response.headers["allow"]


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    _is_problem(response, 422)


@pytest.fixture
async def small_body_client(
    settings: Settings, test_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(update={"http": HttpSettings(max_body_bytes=2048)})
    app = create_app(limited, database=test_database)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_oversized_body_is_a_413_problem_and_writes_nothing(
    small_body_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = registration(bio="x" * 4000)
    response = await small_body_client.post("/v1/auth/register", json=body)

    _is_problem(response, 413)
    found = await session.exec(select(Resident).where(Resident.email == body["email"]))
    assert found.first() is None


async def test_oversized_streamed_body_is_a_413_problem(
    small_body_client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1024

    response = await small_body_client.post(
        "/v1/auth/register", content=chunks(), headers={"content-type": "application/json"}
    )
    _is_problem(response, 413)


async def test_unexpected_errors_are_500_problems_without_internals(
    settings: Settings, test_database: Database
) -> None:
    app: FastAPI = create_app(settings, database=test_database)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/boom")

    problem = _is_problem(response, 500)
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text
    assert problem["detail"]
