"""Migrations build the schema the models describe, and concurrent starts do not race."""

import asyncio
import os
import sys
import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from api.db import make_engine
from api.migrate import alembic_config
from tests.databases import fresh_database

KITH = str(Path(sys.executable).parent / "kith")
RACERS = 4


def _drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_drift) == []


async def test_concurrent_starts_migrate_once(tmp_path: Path) -> None:
    """Replicas starting together each run `upgrade`; the lock lets one migrate at a time.

    Each process imports first, then waits for one shared start time, so that import time
    does not stagger them and the test fails reliably when the lock is missing.
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with fresh_database(tmp_path) as url:
        start_at = time.time() + 4
        script = (
            "import asyncio, sys, time\n"
            "from api.migrate import upgrade\n"
            "time.sleep(max(0.0, float(sys.argv[1]) - time.time()))\n"
            "asyncio.run(upgrade(sys.argv[2]))\n"
        )
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                script,
                str(start_at),
                url,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(RACERS)
        ]
        outputs = await asyncio.gather(*(p.communicate() for p in processes))

        for process, (output, _) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, output.decode()[-2000:]
        engine = make_engine(url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_current) == head
            assert await connection.run_sync(_drift) == []
        await engine.dispose()


async def test_migrate_command(tmp_path: Path) -> None:
    async with fresh_database(tmp_path) as url:
        process = await asyncio.create_subprocess_exec(
            KITH,
            "migrate",
            env=os.environ | {"DATABASE_URL": url},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode()
        assert "newest schema" in output.decode()
