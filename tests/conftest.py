"""The harness: one migrated database per run, one rolled-back transaction per test."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.db import Database, make_engine, make_sessionmaker
from api.migrate import upgrade
from api.settings import AuthSettings, Settings
from tests.databases import backend, fresh_database


def pytest_report_header() -> str:
    return f"kith test database: {backend()}"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with fresh_database(tmp_path_factory.mktemp("db"), name="") as url:
        await upgrade(url)
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Everything a test writes happens inside this transaction, rolled back at the end."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
def test_database(engine: AsyncEngine, connection: AsyncConnection) -> Database:
    # Each request's commit becomes a SAVEPOINT release inside the test's transaction.
    return Database(
        engine=engine,
        sessionmaker=make_sessionmaker(connection, join_transaction_mode="create_savepoint"),
    )


@pytest.fixture
async def session(test_database: Database) -> AsyncIterator[AsyncSession]:
    async with test_database.transaction() as session:
        yield session


def test_settings(database_url: str, **overrides: object) -> Settings:
    # Cheap argon2 parameters: the tests check behaviour, not hashing cost.
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "auth": AuthSettings(argon2_time_cost=1, argon2_memory_kib=1024),
        # Tests run the jobs themselves, at the times they choose.
        "run_worker": False,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(database_url)


@pytest.fixture
async def app(settings: Settings, test_database: Database) -> AsyncIterator[FastAPI]:
    app = create_app(settings, database=test_database)
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
