"""Bring a database to the newest schema, holding a lock so that replicas starting together
do not race each other's DDL."""

from contextlib import nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from filelock import FileLock
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

import migrations
from api.db import make_engine

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
# Any fixed 64-bit number; it names Kith's migration lock among PostgreSQL's advisory locks.
_PG_LOCK_KEY = 0x4B17_0001
_LOCK_TIMEOUT_S = 300


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    if connection.dialect.name == "sqlite":
        # Foreign keys were off while tables were copied: check nothing was left dangling.
        dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if dangling:
            raise RuntimeError(f"The migration left {len(dangling)} broken references.")


async def upgrade(database_url: str, revision: str = "head") -> None:
    url = make_url(database_url)
    engine = make_engine(database_url, foreign_keys=False)
    try:
        if url.get_backend_name() == "postgresql":
            async with engine.connect() as connection:
                # A session-level lock: held across Alembic's own transactions, released when
                # the connection closes even if this process dies.
                await connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY}
                )
                await connection.commit()
                try:
                    await connection.run_sync(_upgrade, revision)
                    await connection.commit()
                finally:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY}
                    )
                    await connection.commit()
        else:
            database = url.database
            # An in-memory database is private to one process: nothing to race.
            in_memory = not database or database == ":memory:"
            lock = (
                nullcontext()
                if in_memory
                else FileLock(f"{database}.migrate.lock", _LOCK_TIMEOUT_S)
            )
            with lock:
                async with engine.connect() as connection:
                    await connection.run_sync(_upgrade, revision)
                    await connection.commit()
    finally:
        await engine.dispose()
