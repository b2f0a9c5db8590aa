"""Delta sync (services.sync) on the synthetic city, against the nearby feed in the same run,
and the change log's cost on a write.

Seeds the city of `kith demo --residents N` (benchmarks/feeds.py; it logs every live post as
changed, as a phone's first sync needs), then times for viewers across the city: a first sync
page (no token), a quiet sync (a token with nothing new), and the feed's first page of the
same size. Writes: editing one offer's title and committing, with its change logged, against
the same edit with the note dropped.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from feeds import seed  # run as `python benchmarks/sync.py`: its folder is on the path
from sqlalchemy import update
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from models.offers import Offer
from models.residents import Resident
from models.sync import SyncKind
from services import changes, offers, sync, ties

DECAY = ties.Decay(180.0)


def _ms(samples: list[float]) -> str:
    p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[18]
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"


async def reads(
    database: Database, viewers: list[Resident], limit: int
) -> tuple[list[float], list[float], list[float]]:
    first, quiet, feed = [], [], []
    for viewer in viewers:
        async with database.transaction(writes=False) as session:
            started = time.perf_counter()
            page = await sync.changes_since(
                session, viewer, DECAY, since=None, within_m=3000, limit=limit
            )
            first.append((time.perf_counter() - started) * 1000)
            token = page.next_token
            while page.more:  # to the end, for a token with nothing new after it
                page = await sync.changes_since(
                    session, viewer, DECAY, since=token, within_m=3000, limit=500
                )
                token = page.next_token
            started = time.perf_counter()
            await sync.changes_since(
                session, viewer, DECAY, since=token, within_m=3000, limit=limit
            )
            quiet.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await offers.browse(
                session, viewer, within_m=3000, categories=[], mine=False, cursor=None, limit=limit
            )
            feed.append((time.perf_counter() - started) * 1000)
    return first, quiet, feed


async def writes(database: Database, rounds: int) -> tuple[list[float], list[float]]:
    async with database.transaction() as session:
        ids = (await session.exec(select(Offer.id).limit(rounds))).all()
    logged: list[float] = []
    unlogged: list[float] = []
    for n, offer_id in enumerate(ids):
        for samples, keep_note in ((logged, True), (unlogged, False)):
            started = time.perf_counter()
            async with database.transaction() as session:
                await session.exec(
                    update(Offer).where(col(Offer.id) == offer_id).values(title=f"Edit {n}")
                )
                changes.note(session, SyncKind.offer, offer_id)
                if not keep_note:
                    session.info.pop(changes.PENDING)
            samples.append((time.perf_counter() - started) * 1000)
    return logged, unlogged


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{Path(workdir)}/sync.db")
        await upgrade(url)
        database = Database.connect(url)
        started = time.perf_counter()
        viewers = await seed(database, args.residents)
        print(f"{args.residents} residents; seeded in {time.perf_counter() - started:.0f}s")
        first, quiet, feed = await reads(database, viewers[: args.rounds], args.limit)
        print(f"first sync page ({args.limit}) {_ms(first)}")
        print(f"quiet sync             {_ms(quiet)}")
        print(f"feed first page ({args.limit})  {_ms(feed)}")
        ratio = statistics.median(first) / statistics.median(feed)
        print(f"ratio first sync / feed (p50): {ratio:.2f}")
        logged, unlogged = await writes(database, args.rounds)
        print(f"edit + commit, logged   {_ms(logged)}")
        print(f"edit + commit, unlogged {_ms(unlogged)}")
        print(f"ratio (p50): {statistics.median(logged) / statistics.median(unlogged):.2f}")
        await database.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
