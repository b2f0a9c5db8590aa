"""What alert waves cost a new request, on a seeded city: the first wave (sent inside
`POST /v1/requests`) and a later one (sent by the worker), each against ranking the same
request's candidates alone, in the same run.

Every request is made and alerted inside one transaction that is rolled back, so the city
is left as it was. Give `--database-url` of a city seeded with `kith demo --residents N`
(PostgreSQL or SQLite); without it a city of `--residents` is seeded in a temporary SQLite
file.

    python benchmarks/alerts.py --residents 10000 --requests 200
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import ms_since, p95
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from api.settings import Settings, alerting
from models.base import utcnow
from models.categories import Category
from models.requests import HelpRequest, Urgency
from models.residents import Resident, ResidentStatus
from services import alerts, candidates, city
from services.passwords import PasswordHasher

ASKED_FOR = [Category.shopping, Category.prescriptions, Category.lifts, Category.cooked_meals]


async def measure(url: str, requests: int, seed: int) -> dict[str, list[float]]:
    settings = Settings(database_url=url)
    policy = alerting(settings)
    database = Database.connect(url)
    timings: dict[str, list[float]] = {"rank": [], "first wave": [], "later wave": []}
    try:
        async with database.sessionmaker() as session:
            people = (
                await session.exec(
                    select(Resident.id, Resident.home_cell)
                    .where(Resident.status == ResidentStatus.active)
                    .where(col(Resident.home_cell).is_not(None))
                    .order_by(col(Resident.email))
                )
            ).all()
            rng = random.Random(seed)
            now = utcnow()
            for owner_id, cell in rng.sample(list(people), requests):
                request = HelpRequest(
                    owner_id=owner_id,
                    category=rng.choice(ASKED_FOR),
                    title="Benchmark",
                    cell=str(cell),
                    radius_m=2000,
                    urgency=Urgency.urgent,
                    expires_at=now + timedelta(days=3),
                    created_at=now,
                )
                session.add(request)
                await session.flush()
                started = time.perf_counter()
                await candidates.rank(session, request, policy.trust, policy.weights, now)
                timings["rank"].append(ms_since(started))
                started = time.perf_counter()
                await alerts.begin(session, request, now, policy)
                timings["first wave"].append(ms_since(started))
            later = now + timedelta(hours=1)
            started = time.perf_counter()
            await alerts.send_due(session, later, policy)  # one batch of due waves
            batch = min(requests, alerts.BATCH)
            timings["later wave"] = [ms_since(started) / batch] * batch
            await session.rollback()
    finally:
        await database.dispose()
    return timings


async def seeded(workdir: Path, residents: int) -> str:
    url = f"sqlite+aiosqlite:///{workdir / 'city.db'}"
    await upgrade(url)
    database = Database.connect(url)
    try:
        await city.seed(database.transaction, PasswordHasher(1, 1024), residents)
    finally:
        await database.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    async def run() -> dict[str, list[float]]:
        with tempfile.TemporaryDirectory() as workdir:
            url = args.database_url or await seeded(Path(workdir), args.residents)
            return await measure(url, args.requests, args.seed)

    timings = asyncio.run(run())
    rank = statistics.median(timings["rank"])
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"{name:>11}: median {median:7.2f} ms  p95 {p95(values):7.2f} ms  "
            f"({median / rank:.2f}x ranking alone)"
        )


if __name__ == "__main__":
    main()
