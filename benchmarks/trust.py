"""Trust between residents (services.trust) on a synthetic graph: 100k residents, 1M ties.

Residents live along a line of streets; each has ties mostly to near neighbours and some to
anyone (the shape real neighbourhoods have), with every kind, age and repeat count, plus
vouches, verifications and blocks. For random viewers it times `trust_between` for one pair
and for a batch of 500 candidates (the nearest 500 residents, as the matching engine would
pass), next to a baseline in the same run: one indexed read of the viewer's own ties.
"""

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import select

from api.db import Database
from api.migrate import upgrade
from models.base import utcnow
from models.residents import Resident
from models.ties import Tie, TieKind
from models.trust import Block
from models.verifications import Verification, VerificationKind
from models.vouches import Vouch
from services import ties
from services.trust import TrustSettings, trust_between

KINDS = list(TieKind)
CHUNK = 5000


def _ids(count: int) -> list[uuid.UUID]:
    # Sequential ids, so neighbours along the street are neighbours in the index too (as
    # they would not be in production: this flatters nothing the measured queries rely on).
    return [uuid.UUID(int=(1 << 64) + index) for index in range(count)]


async def _insert(database: Database, model: object, rows: list[dict[str, object]]) -> None:
    async with database.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.exec(insert(model), params=rows[start : start + CHUNK])  # type: ignore[arg-type]


async def seed(database: Database, residents: int, tie_count: int) -> list[uuid.UUID]:
    rng = random.Random(7)
    now = utcnow()
    ids = _ids(residents)
    await _insert(
        database,
        Resident,
        [
            {
                "id": rid,
                "email": f"trust{index}@example.org",
                "display_name": f"Neighbour {index}",
                "bio": "",
                "password_hash": "-",
                "home_cell": None,
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
            for index, rid in enumerate(ids)
        ],
    )
    pairs: set[tuple[int, int, TieKind]] = set()
    while len(pairs) < tie_count:
        a = rng.randrange(residents)
        near = rng.random() < 0.8
        b = (a + rng.randint(-150, 150)) % residents if near else rng.randrange(residents)
        if a != b:
            pairs.add((min(a, b), max(a, b), rng.choice(KINDS)))
    tie_rows: list[dict[str, object]] = []
    for a, b, kind in pairs:
        last = now - timedelta(days=rng.uniform(0, 730))
        since = last - timedelta(days=rng.uniform(0, 365))
        times = rng.choice((1, 1, 1, 2, 3))
        for x, y in ((a, b), (b, a)):
            tie_rows.append(
                {
                    "resident_id": ids[x],
                    "other_id": ids[y],
                    "kind": kind.value,
                    "since": since,
                    "last_at": last,
                    "times": times,
                    "context": None,
                }
            )
    await _insert(database, Tie, tie_rows)
    await _insert(
        database,
        Vouch,
        [
            {
                "id": uuid.uuid4(),
                "voucher_id": ids[v],
                "vouchee_id": ids[(v + rng.randint(1, 150)) % residents],
                "by_connector": rng.random() < 0.1,
                "note": "",
                "created_at": now,
                "revoked_at": now if rng.random() < 0.1 else None,
            }
            for v in rng.sample(range(residents), residents // 2)
        ],
    )
    await _insert(
        database,
        Verification,
        [
            {
                "id": uuid.uuid4(),
                "resident_id": ids[r],
                "kind": rng.choice(list(VerificationKind)).value,
                "issued_on": date(2026, 1, 1),
                "expires_on": None,
                "verified_by": None,
                "created_at": now,
            }
            for r in rng.sample(range(residents), residents // 10)
        ],
    )
    blocks = {(rng.randrange(residents), rng.randrange(residents)) for _ in range(residents // 20)}
    await _insert(
        database,
        Block,
        [
            {"blocker_id": ids[a], "blocked_id": ids[b], "created_at": now}
            for a, b in blocks
            if a != b
        ],
    )
    if database.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; without statistics the planner
        # guesses row counts and hash-joins whole tables.
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    return ids


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


async def measure(
    database: Database, ids: list[uuid.UUID], rounds: int, batch: int
) -> dict[str, list[float]]:
    rng = random.Random(11)
    settings = TrustSettings()
    at = ties.today()
    timings: dict[str, list[float]] = {"baseline": [], "pair": [], "batch": [], "known": []}
    for _ in range(rounds):
        viewer_index = rng.randrange(len(ids))
        viewer = ids[viewer_index]
        nearest = [ids[(viewer_index + d) % len(ids)] for d in range(-batch // 2, batch // 2 + 1)]
        candidates = [c for c in nearest if c != viewer][:batch]
        async with database.transaction(writes=False) as session:
            started = time.perf_counter()
            (await session.exec(select(Tie).where(Tie.resident_id == viewer))).all()
            timings["baseline"].append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await trust_between(session, viewer, [rng.choice(candidates)], settings, at)
            timings["pair"].append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            scored = await trust_between(session, viewer, candidates, settings, at)
            timings["batch"].append((time.perf_counter() - started) * 1000)
            timings["known"].append(sum(1 for t in scored.values() if t.direct or t.via))
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{Path(workdir)}/trust.db")
        await upgrade(url)
        database = Database.connect(url)
        started = time.perf_counter()
        ids = await seed(database, args.residents, args.ties)
        print(
            f"{url.split(':')[0]}: {args.residents} residents, {args.ties} ties "
            f"({2 * args.ties} rows), seeded in {time.perf_counter() - started:.0f}s; "
            f"{args.rounds} viewers"
        )
        timings = await measure(database, ids, args.rounds, args.batch)
        base = statistics.median(timings["baseline"])
        print(f"{'':>22} {'p50':>9} {'p95':>9} {'p50/baseline':>13}")
        for name, label in (
            ("baseline", "viewer's ties (read)"),
            ("pair", "one pair"),
            ("batch", f"batch of {args.batch}"),
        ):
            values = timings[name]
            p50 = statistics.median(values)
            print(f"{label:>22} {p50:>7.2f}ms {_p95(values):>7.2f}ms {p50 / base:>12.1f}x")
        known = statistics.median(timings["known"])
        print(f"candidates per batch with a tie or a path: median {known:.0f}")
        await database.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
