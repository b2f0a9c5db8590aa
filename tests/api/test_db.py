import io
import json
import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.db import Database
from api.deps import SessionDep
from api.settings import Settings

INSERT = text(
    "INSERT INTO resident (id, display_name, bio, email, password_hash, cell_resolution, skills,"
    " languages, weekly_help_cap, status, is_admin, version, created_at, updated_at) VALUES"
    " (:id, 'X', '', :email, 'h', 8, '[]', '[]', 3, 'active', false, 1,"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


@pytest.fixture
def error_log() -> Iterator[io.StringIO]:
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("kith.errors")
    logger.addHandler(handler)
    yield sink
    logger.removeHandler(handler)


async def test_database_errors_never_put_personal_data_in_logs(
    settings: Settings, test_database: Database, error_log: io.StringIO
) -> None:
    email = f"private-{uuid.uuid4().hex[:8]}@example.org"
    app: FastAPI = create_app(settings, database=test_database)

    @app.post("/duplicate")
    async def duplicate(session: SessionDep) -> None:
        for _ in range(2):
            row = {"id": uuid.uuid4().hex, "email": email}
            await session.exec(INSERT, params=row)  # type: ignore[call-overload]

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/duplicate")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert email not in response.text
    logged = [json.loads(line) for line in error_log.getvalue().splitlines()]
    assert [entry["message"] for entry in logged] == ["unhandled error"]
    assert "sqlalchemy.exc.IntegrityError" in logged[0]["error_types"]
    assert "INSERT INTO resident" in logged[0]["statement"]
    assert email not in error_log.getvalue()


async def test_sqlite_and_postgres_enforce_foreign_keys(connection: AsyncConnection) -> None:
    with pytest.raises(IntegrityError):
        await connection.execute(
            text(
                "INSERT INTO neighbourhood_cell (neighbourhood_id, cell)"
                " VALUES (:id, '881f1d4813fffff')"
            ),
            {"id": uuid.uuid4().hex},
        )
