"""The nearby feed (services.feeds) on a synthetic city, against a bare indexed count.

Seeds a fresh database (SQLite by default, or DATABASE_URL) with residents and offers spread
over a ~15 km city in clusters, then times `offers.browse` for random viewers at several
`within_m`, next to a baseline in the same run: one indexed `COUNT(*)` over the same cells.
"""

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from models.base import new_id, utcnow
from models.categories import Category
from models.offers import Offer
from models.residents import Resident
from services import geo, offers
from services.posts import Reach

CENTRE = (51.4545, -2.5879)  # Bristol
CATEGORIES = [c for c in Category if c != Category.personal_care]


def _point(rng: random.Random, hubs: list[tuple[float, float]]) -> tuple[float, float]:
    lat, lon = rng.choice(hubs)
    return lat + rng.gauss(0, 0.01), lon + rng.gauss(0, 0.015)


async def seed(database: Database, residents: int, offers_count: int) -> list[Resident]:
    rng = random.Random(42)
    hubs = [
        (CENTRE[0] + rng.uniform(-0.06, 0.06), CENTRE[1] + rng.uniform(-0.09, 0.09))
        for _ in range(12)
    ]
    now = utcnow()
    people = []
    for index in range(residents):
        lat, lon = _point(rng, hubs)
        people.append(
            {
                "id": new_id(),
                "email": f"bench{index}@example.org",
                "display_name": f"Neighbour {index}",
                "bio": "",
                "password_hash": "-",
                "home_cell": geo.cell_of(lat, lon, 8),
                "cell_resolution": 8,
                "skills": [],
                "languages": [],
                "weekly_help_cap": 3,
                "status": "active",
                "is_admin": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    posts = []
    for _ in range(offers_count):
        owner = rng.choice(people)
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
        posts.append(
            {
                "id": new_id(),
                "owner_id": owner["id"],
                "category": rng.choice(CATEGORIES).value,
                "title": "Benchmark offer",
                "details": "",
                "cell": owner["home_cell"],
                "radius_m": rng.choice((1000, 1500, 3000, 5000)),
                "availability": {},
                "visibility": "nearby",
                "status": "active",
                "expires_at": created + timedelta(days=60),
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
    async with database.transaction() as session:
        for start in range(0, len(people), 2000):
            await session.exec(insert(Resident), params=people[start : start + 2000])
        for start in range(0, len(posts), 2000):
            await session.exec(insert(Offer), params=posts[start : start + 2000])
    async with database.transaction() as session:
        viewers = await session.exec(select(Resident).limit(400))
        return list(viewers.all())


async def measure(
    database: Database, viewers: list[Resident], within_m: int, rounds: int
) -> tuple[list[float], list[float], int]:
    feed_ms, baseline_ms, sizes = [], [], []
    for viewer in viewers[:rounds]:
        async with database.transaction() as session:
            assert viewer.home_cell is not None
            started = time.perf_counter()
            reach = Reach(viewer.home_cell, within_m)
            await session.exec(
                select(func.count()).select_from(Offer).where(col(Offer.cell).in_(reach.cells))
            )
            baseline_ms.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            page = await offers.browse(
                session, viewer, within_m=within_m, categories=[], mine=False, cursor=None, limit=20
            )
            feed_ms.append((time.perf_counter() - started) * 1000)
            sizes.append(len(page.items))
    return feed_ms, baseline_ms, int(statistics.median(sizes))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{Path(workdir)}/feeds.db")
        await upgrade(url)
        database = Database.connect(url)
        viewers = await seed(database, args.residents, args.offers)
        print(f"{args.residents} residents, {args.offers} offers; {args.rounds} viewers each")
        header = ("within_m", "feed p50", "feed p95", "count p50", "ratio", "items")
        print("{:>8} {:>10} {:>10} {:>10} {:>6} {:>6}".format(*header))
        for within_m in (1500, 3000, 10_000):
            feed, baseline, items = await measure(database, viewers, within_m, args.rounds)
            p50, p95 = statistics.median(feed), statistics.quantiles(feed, n=20)[18]
            base = statistics.median(baseline)
            row = (within_m, f"{p50:.2f}ms", f"{p95:.2f}ms", f"{base:.2f}ms", p50 / base, items)
            print("{:>8} {:>10} {:>10} {:>10} {:>6.1f} {:>6}".format(*row))
        await database.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
