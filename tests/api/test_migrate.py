"""Migrations build the schema the models describe, and concurrent starts do not race."""

import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from api.db import make_engine
from api.migrate import alembic_config, upgrade
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


# The tables whose every write the read model's feed must see (the row-change migration).
WATCHED_TABLES = ("resident", "offer", "tie", "block", "vouch", "verification", "match")


def _triggered_tables(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT DISTINCT event_object_table FROM information_schema.triggers"
    else:
        query = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'"
    return {row[0] for row in connection.execute(sa.text(query))}


async def test_later_migrations_keep_the_row_change_triggers(engine: AsyncEngine) -> None:
    # SQLite's batch mode rebuilds a table to alter it, silently dropping its triggers: a
    # later migration adding a column to `resident` that way once did.
    async with engine.connect() as connection:
        triggered = await connection.run_sync(_triggered_tables)
    assert set(WATCHED_TABLES) <= triggered


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


async def test_data_made_before_ties_is_carried_over(tmp_path: Path) -> None:
    """Accepted connections from before the tie table become ties, one per pair, none for a
    blocked pair (whose connection ends); duplicate pending asks from before the
    one-pending-ask index lapse, all but the newest; declines keep their date."""
    resident = sa.table(
        "resident",
        *(sa.column(name, sa.Uuid) for name in ("id",)),
        *(sa.column(n, sa.String) for n in ("email", "password_hash", "display_name", "bio")),
        sa.column("status", sa.String),
        *(sa.column(n, sa.JSON) for n in ("skills", "languages")),
        *(sa.column(n, sa.Integer) for n in ("cell_resolution", "weekly_help_cap", "version")),
        sa.column("is_admin", sa.Boolean),
        *(sa.column(n, sa.DateTime(timezone=True)) for n in ("created_at", "updated_at")),
    )
    connection_table = sa.table(
        "connection",
        *(sa.column(n, sa.Uuid) for n in ("id", "requester_id", "addressee_id")),
        sa.column("status", sa.String),
        sa.column("message", sa.String),
        *(sa.column(n, sa.DateTime(timezone=True)) for n in ("created_at", "expires_at")),
        sa.column("responded_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    a, b, c, d = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    blocked_pair = uuid.uuid4()
    newest_ask = uuid.uuid4()
    async with fresh_database(tmp_path) as url:
        await upgrade(url, "ef5e33403f26")  # connections, before ties
        engine = make_engine(url)
        async with engine.begin() as db:
            await db.execute(
                resident.insert(),
                [
                    {
                        "id": rid,
                        "email": f"{rid}@example.org",
                        "password_hash": "-",
                        "display_name": "R",
                        "bio": "",
                        "status": "active",
                        "skills": [],
                        "languages": [],
                        "cell_resolution": 8,
                        "weekly_help_cap": 3,
                        "version": 1,
                        "is_admin": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for rid in (a, b, c, d)
                ],
            )
            block = sa.table(
                "block",
                *(sa.column(n, sa.Uuid) for n in ("blocker_id", "blocked_id")),
                sa.column("created_at", sa.DateTime(timezone=True)),
            )
            await db.execute(block.insert(), {"blocker_id": d, "blocked_id": a, "created_at": now})
            base = {"message": "", "expires_at": now + timedelta(days=30), "responded_at": None}
            await db.execute(
                connection_table.insert(),
                [
                    base
                    | {
                        "id": uuid.uuid4(),
                        "requester_id": a,
                        "addressee_id": b,
                        "status": "accepted",
                        "created_at": now,
                        "responded_at": now,
                    },
                    base
                    | {
                        "id": uuid.uuid4(),
                        "requester_id": a,
                        "addressee_id": c,
                        "status": "pending",
                        "created_at": now - timedelta(minutes=1),
                    },
                    base
                    | {  # the same pair, accepted from the other side too
                        "id": uuid.uuid4(),
                        "requester_id": b,
                        "addressee_id": a,
                        "status": "accepted",
                        "created_at": now,
                        "responded_at": now - timedelta(hours=1),
                    },
                    base
                    | {
                        "id": blocked_pair,
                        "requester_id": a,
                        "addressee_id": d,
                        "status": "accepted",
                        "created_at": now,
                        "responded_at": now,
                    },
                    base
                    | {
                        "id": newest_ask,
                        "requester_id": a,
                        "addressee_id": c,
                        "status": "pending",
                        "created_at": now,
                    },
                ],
            )
        await upgrade(url)
        async with engine.connect() as db:
            ties = await db.execute(sa.text("SELECT kind, times FROM tie"))
            pending = await db.execute(
                sa.select(connection_table.c.id).where(connection_table.c.status == "pending")
            )
            ended = await db.execute(
                sa.select(connection_table.c.id).where(connection_table.c.status == "ended")
            )
            assert sorted(ties.all()) == [("connected", 1), ("connected", 1)]
            assert pending.scalars().all() == [newest_ask]
            assert ended.scalars().all() == [blocked_pair]
        await engine.dispose()
