"""The nearby feed (services.feeds) on the synthetic city, against a bare indexed count.

Seeds a fresh database (SQLite by default, or DATABASE_URL) with the city of `kith demo
--residents N` (services/city.py: neighbourhoods of ~700 people 3 km apart, half of them with
an offer), then times `offers.browse` for viewers across the city at several `within_m`,
next to a baseline in the same run: one indexed `COUNT(*)` over the same cells.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from models.offers import Offer
from models.residents import Resident
from services import city, offers
from services.passwords import PasswordHasher
from services.posts import Reach


async def seed(database: Database, residents: int) -> list[Resident]:
    """The synthetic city of `kith demo --residents N` (services/city.py); up to 400 of its
    residents, in id order (ids are hashes, so spread over the city), as viewers."""
    await city.seed(database.transaction, PasswordHasher(), residents)
    async with database.transaction() as session:
        viewers = await session.exec(
            select(Resident)
            .where(col(Resident.email).like("n%.r%@%"), Resident.status == "active")
            .order_by(col(Resident.id))
            .limit(400)
        )
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
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{Path(workdir)}/feeds.db")
        await upgrade(url)
        database = Database.connect(url)
        viewers = await seed(database, args.residents)
        async with database.transaction(writes=False) as session:
            offer_count = (await session.exec(select(func.count()).select_from(Offer))).one()
        print(f"{args.residents} residents, {offer_count} offers; {args.rounds} viewers each")
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
