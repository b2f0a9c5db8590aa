"""Every query on a hot path has an index to serve it (PostgreSQL).

A small synthetic city is seeded and analysed; then the calls a phone makes all day (sign-in
and refresh, its profile, the three nearby feeds, a request's candidates, sync, notifications,
matches, its circle, a post and an event by id) run through the app, and every statement they
send is explained with every way to read a table priced out but the bitmap scan, which needs
an index condition. On a city this small the planner would rightly scan; priced out, a Seq
Scan that is still chosen is one that no index can replace, and on a city of a million it
would read the whole table."""

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event, text
from sqlmodel import col, select

from api.app import create_app
from api.db import Database
from api.migrate import upgrade
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident
from services import city, demo
from services.city_layout import PER_NEIGHBOURHOOD
from services.passwords import PasswordHasher
from tests.conftest import test_settings as settings_for
from tests.databases import backend, fresh_database

pytestmark = pytest.mark.skipif(
    backend() != "postgres", reason="query plans are PostgreSQL's (the PostgreSQL run checks)"
)

# Tables that stay a handful of rows however large the city: a scan of them is the plan.
SMALL_TABLES = {
    "sync_clock": "one row",
}
Statement = tuple[str, Any]


@pytest.fixture
async def seeded_city(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        settings = settings_for(url)
        database = Database.connect(url)
        hasher = PasswordHasher(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
        try:
            await city.seed(database.transaction, hasher, demo.RESIDENTS + 2 * PER_NEIGHBOURHOOD)
            async with database.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE"))
        finally:
            await database.engine.dispose()
        yield url


async def _hot_paths(client: httpx.AsyncClient, url: str) -> None:
    """What a phone does all day, as a city resident with an open request."""
    database = Database.connect(url)
    try:
        async with database.transaction(writes=False) as session:
            request, owner = (
                await session.exec(
                    select(HelpRequest, Resident)
                    .join(Resident, col(Resident.id) == HelpRequest.owner_id)
                    .where(HelpRequest.status == RequestStatus.open)
                    .where(col(Resident.email).like("n%.r%@%"))
                    .order_by(col(HelpRequest.id))
                    .limit(1)
                )
            ).one()
    finally:
        await database.engine.dispose()

    signed_in = await client.post(
        "/v1/auth/token", data={"username": owner.email, "password": demo.DEMO_PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    me = {"Authorization": f"Bearer {tokens['access_token']}"}
    calls = [
        ("GET", "/v1/me", None),
        ("GET", "/v1/offers?within_m=1500", None),
        ("GET", "/v1/requests?within_m=1500", None),
        ("GET", "/v1/events?within_m=3000", None),
        ("GET", f"/v1/requests/{request.id}/candidates?limit=20", None),
        ("GET", "/v1/notifications", None),
        ("GET", "/v1/matches", None),
        ("GET", "/v1/me/circle", None),
    ]
    shown = {}
    for method, path, body in calls:
        response = await client.request(method, path, headers=me, json=body)
        assert response.status_code == 200, f"{path}: {response.text}"
        shown[path] = response.json()
    # One of each read by id, as a phone opens one from its feed.
    feeds = {"/v1/offers": "/v1/offers?within_m=1500", "/v1/events": "/v1/events?within_m=3000"}
    for path, feed in feeds.items():
        item = shown[feed]["items"][0]
        first = item.get("id") or item["event_id"]  # the events feed lists occurrences
        response = await client.get(f"{path}/{first}", headers=me)
        assert response.status_code == 200, response.text
    first = await client.get("/v1/sync", headers=me)
    assert first.status_code == 200, first.text
    again = await client.get("/v1/sync", headers=me, params={"since": first.json()["next_token"]})
    assert again.status_code == 200, again.text
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text


def _unserved(plan: dict[str, Any], leading: dict[str, set[str]]) -> list[str]:
    """Tables read where no index could have led the way: none of the table's indexes
    begins with a column that the read's conditions name (none at all: the whole table)."""
    found = []
    table = plan.get("Relation Name")
    if table is not None and plan["Node Type"] != "ModifyTable":  # its scan is a child
        conditions = " ".join(plan.get(key, "") for key in ("Index Cond", "Recheck Cond", "Filter"))
        named = set(re.findall(r"\b[a-z_]+\b", conditions))
        if not leading.get(table, set()) & named:
            found.append(table)
    for child in plan.get("Plans", []):
        found += _unserved(child, leading)
    return found


LEADING_COLUMNS = """
SELECT t.relname, a.attname
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
"""


async def test_hot_queries_are_served_by_indexes(seeded_city: str) -> None:
    statements: list[Statement] = []
    app = create_app(settings_for(seeded_city))
    async with LifespanManager(app):
        engine = app.state.db.engine.sync_engine

        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kith") as client:
            await _hot_paths(client, seeded_city)
        event.remove(engine, "before_cursor_execute", keep)

    assert len(statements) > 20, "the hot paths sent fewer statements than they must"
    database = Database.connect(seeded_city)
    scanned: dict[str, set[str]] = {}
    try:
        async with database.engine.connect() as connection:
            leading: dict[str, set[str]] = {}
            for table, column in await connection.execute(text(LEADING_COLUMNS)):
                leading.setdefault(table, set()).add(column)
            # Left only bitmap scans, which need an index condition, the planner must find an
            # index for each table's conditions or fall back to a (priced out) Seq Scan. Plain
            # index scans are off too: they can walk a whole index, with no condition at all.
            for method in ("seqscan", "indexscan", "indexonlyscan"):
                await connection.execute(text(f"SET enable_{method} = off"))
            for statement, parameters in statements:
                result = await connection.exec_driver_sql(
                    f"EXPLAIN (FORMAT JSON) {statement}", parameters
                )
                plan = result.scalar_one()
                root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
                for table in set(_unserved(root, leading)) - SMALL_TABLES.keys():
                    scanned.setdefault(table, set()).add(" ".join(statement.split())[:300])
            await connection.rollback()
    finally:
        await database.engine.dispose()
    assert scanned == {}, "tables read with no index to lead the way:\n" + "\n".join(
        f"{table}: {sorted(queries)}" for table, queries in scanned.items()
    )
