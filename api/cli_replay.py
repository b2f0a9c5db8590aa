"""`kith crisis-replay`: seed a synthetic city in a temporary SQLite file (or use a given
database's), replay a day of crisis on it with crisis mode off and then on, and report both
as JSON. Each run is rolled back, so both start from the same city."""

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from api.db import Database
from api.migrate import upgrade
from api.settings import alerting, get_settings
from models.base import utcnow
from services import city, crisis_replay
from services.passwords import PasswordHasher


def run(residents: int, seed: int, requests: int | None, database_url: str | None) -> str:
    return asyncio.run(_run(residents, seed, requests, database_url))


async def _run(residents: int, seed: int, requests: int | None, database_url: str | None) -> str:
    with tempfile.TemporaryDirectory(prefix="kith-replay-") as workdir:
        url = database_url or f"sqlite+aiosqlite:///{Path(workdir) / 'city.db'}"
        settings = get_settings()
        database = Database.connect(url)
        try:
            if database_url is None:
                started = time.monotonic()
                await upgrade(url)
                hasher = PasswordHasher(
                    settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib
                )
                await city.seed(database.transaction, hasher, residents)
                _say(f"seeded {residents} residents in {time.monotonic() - started:.0f} s")
            # Tomorrow at 08:00 UTC: the same time of day (and so the same quiet hours)
            # whenever it runs.
            start = datetime.combine(utcnow().date() + timedelta(days=1), clock_time(8), UTC)
            scenario = crisis_replay.Scenario(
                requests=requests or max(20, residents // 25), seed=seed, start=start
            )
            report: dict[str, object] = {"residents": residents, "seed": seed}
            for label, crisis in (("crisis_off", False), ("crisis_on", True)):
                started = time.monotonic()
                async with database.sessionmaker() as session:
                    outcome = await crisis_replay.replay(
                        session, alerting(settings), scenario, crisis
                    )
                    await session.rollback()
                report[label] = outcome.report()
                _say(f"{label}: replayed in {time.monotonic() - started:.0f} s")
            return json.dumps(report, indent=2)
        finally:
            await database.dispose()


def _say(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)
