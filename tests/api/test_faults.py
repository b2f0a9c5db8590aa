"""Faults: the database going away (for real: a TCP proxy in front of PostgreSQL is cut)
before and in the middle of a request, and SQLite's write lock held too long. Each gives a
503 problem with Retry-After, saves nothing half-done, and the same running app recovers
once the database is back."""

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event, func
from sqlalchemy.engine import make_url
from sqlalchemy.util import await_only
from sqlmodel import col, select

from api.app import create_app
from api.db import Database
from api.migrate import upgrade
from models.requests import HelpRequest
from tests.api.test_requests import request_body
from tests.conftest import test_settings as settings_for
from tests.databases import backend, fresh_database
from tests.factories import registration
from tests.support.tcp_proxy import TcpProxy, proxied


@asynccontextmanager
async def serving(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The app with its own connection pool, as `kith serve` runs it (no test transaction)."""
    app = create_app(settings_for(database_url))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app


async def _signed_up(client: httpx.AsyncClient) -> dict[str, str]:
    body = registration()
    assert (await client.post("/v1/auth/register", json=body)).status_code == 201
    form = {"username": str(body["email"]), "password": str(body["password"])}
    tokens = await client.post("/v1/auth/token", data=form)
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def _through(proxy: TcpProxy, database_url: str) -> str:
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


def _unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0


async def _requests_titled(database_url: str, title: str) -> int:
    direct = Database.connect(database_url)
    try:
        async with direct.transaction(writes=False) as session:
            query = select(func.count()).where(col(HelpRequest.title) == title)
            return int((await session.exec(query)).one())
    finally:
        await direct.engine.dispose()


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own: these tests commit for real, and what they leave (residents
    and requests at the shared test home) must not appear in other tests' feeds."""
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        yield url


postgres_only = pytest.mark.skipif(
    backend() != "postgres", reason="a server to cut off needs the PostgreSQL run"
)


@postgres_only
async def test_while_the_database_is_away_answers_are_503_and_it_recovers_by_itself(
    own_database: str,
) -> None:
    database_url = own_database
    target = make_url(database_url)
    async with proxied(target.host or "127.0.0.1", target.port or 5432) as proxy:
        async with serving(_through(proxy, database_url)) as (client, _app):
            me = await _signed_up(client)
            await proxy.down()

            away = [
                await client.get("/v1/me", headers=me),
                await client.post("/v1/requests", headers=me, json=request_body()),
                await client.post("/v1/auth/register", json=registration()),
            ]
            await proxy.up()
            back = await client.get("/v1/me", headers=me)

    for response in away:
        _unavailable(response)
    assert back.status_code == 200, back.text


@postgres_only
async def test_the_database_going_away_mid_request_saves_nothing(own_database: str) -> None:
    database_url = own_database
    title = f"Half-written {uuid.uuid4().hex[:8]}"
    target = make_url(database_url)
    async with proxied(target.host or "127.0.0.1", target.port or 5432) as proxy:
        async with serving(_through(proxy, database_url)) as (client, app):
            me = await _signed_up(client)
            engine = app.state.db.engine.sync_engine

            def cut_before_commit(*args: Any) -> None:
                # The request is inserted; its commit has begun (the sync clock is bumped
                # last, just before COMMIT): cut the line here.
                if args[2].startswith("UPDATE sync_clock"):
                    await_only(proxy.down())

            event.listen(engine, "before_cursor_execute", cut_before_commit)
            cut = await client.post("/v1/requests", headers=me, json=request_body(title=title))
            event.remove(engine, "before_cursor_execute", cut_before_commit)
            await proxy.up()
            again = await client.post("/v1/requests", headers=me, json=request_body(title=title))

    _unavailable(cut)
    assert again.status_code == 201, again.text
    assert (
        await _requests_titled(database_url, title) == 1
    )  # the retry's, not a half of the cut one


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's own lock")
async def test_a_write_lock_held_past_the_busy_timeout_is_a_503(own_database: str) -> None:
    database_url = own_database
    title = f"Locked out {uuid.uuid4().hex[:8]}"
    path = make_url(database_url).database
    assert path is not None
    async with serving(database_url) as (client, _app):
        me = await _signed_up(client)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
        try:
            locked = await client.post("/v1/requests", headers=me, json=request_body(title=title))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await asyncio.sleep(0)
        free = await client.post("/v1/requests", headers=me, json=request_body(title=title))

    _unavailable(locked)
    assert free.status_code == 201, free.text
    assert await _requests_titled(database_url, title) == 1
