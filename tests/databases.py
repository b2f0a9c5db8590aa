"""Which database a test run uses: SQLite by default, PostgreSQL when KITH_TEST_DATABASE says so.

Each run gets a database of its own (a temp SQLite file, or a freshly created PostgreSQL
database that is dropped at the end), built by running the real migrations.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    chosen = os.environ.get("KITH_TEST_DATABASE", "sqlite")
    if chosen not in ("sqlite", "postgres"):
        raise RuntimeError(f"KITH_TEST_DATABASE must be sqlite or postgres, not {chosen!r}")
    return chosen


def postgres_admin_url() -> str:
    return os.environ.get("KITH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)


@asynccontextmanager
async def fresh_database(workdir: Path, name: str = "") -> AsyncIterator[str]:
    """A new, empty database's URL; removed again on exit."""
    if backend() == "sqlite":
        path = workdir / f"kith-{name or uuid.uuid4().hex[:8]}.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    admin_url = make_url(postgres_admin_url())
    database = f"kith_test_{name or uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{database}"'))
        yield admin_url.set(database=database).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def postgres_reachable() -> bool:
    engine = create_async_engine(postgres_admin_url())
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to connect means "not here"; the caller says so
        return False
    finally:
        await engine.dispose()


if __name__ == "__main__":
    import asyncio
    import sys

    if sys.argv[1:] != ["--postgres-reachable"]:
        raise SystemExit("usage: python -m tests.databases --postgres-reachable")
    raise SystemExit(0 if asyncio.run(postgres_reachable()) else 1)
