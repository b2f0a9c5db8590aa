"""A request's candidate helpers (services.candidates) on the synthetic city of `kith demo
--residents N` (services/city.py; 100k residents by default): neighbourhoods of ~700 people
3 km apart, half of them with an offer, a year of help given, connections, vouches and the
ties events formed, so that direct ties and two-hop paths are both in play.

For a dozen open requests spread over the city it times, with a baseline in the same run:
- in-process: `candidates.rank` and the whole `candidates.candidates` page of 20, against
  one indexed `COUNT(*)` of the active offers in the request's reach cells;
- over HTTP, through a real `kith serve` on the same database: `GET
  /v1/requests/{id}/candidates?limit=20` as the requester, against `GET /healthz`;
then where `rank` spends its time, step by step, with the SQL time each step issues itself.
(benchmarks/city.py measures the same across city sizes, with throughput.)

SQLite (a temp file) by default; `--database postgres` creates a fresh PostgreSQL database
and drops it at the end.
"""

import argparse
import asyncio
import inspect
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from city import sample as sample_requests
from common import POSTGRES_ADMIN_URL, create_postgres, drop_postgres, ms_since, p95, serve
from sqlalchemy import event, func
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from models.base import utcnow
from models.offers import Offer, OfferStatus
from models.requests import HelpRequest
from models.residents import Resident
from services import candidates, matching, trust
from services.city import seed as seed_city
from services.demo import DEMO_PASSWORD
from services.matching import MatchingWeights
from services.passwords import PasswordHasher
from services.posts import Reach
from services.sql_reads import SqlRankReads
from services.trust import TrustSettings


@dataclass
class City:
    requesters: list[uuid.UUID] = field(default_factory=list)  # request i is requester i's
    emails: list[str] = field(default_factory=list)
    requests: list[uuid.UUID] = field(default_factory=list)


async def seed(url: str, database: Database, residents: int, request_count: int) -> City:
    """The synthetic city, and open requests of its residents spread over it."""
    await seed_city(database.transaction, PasswordHasher(), residents)
    picked = await sample_requests(url, request_count)
    return City(
        requesters=[r.id for r in picked.requesters],
        emails=[r.email for r in picked.requesters],
        requests=picked.requests,
    )


async def _loaded(database: Database, city: City) -> list[tuple[HelpRequest, Resident]]:
    async with database.transaction(writes=False) as session:
        requests = {
            r.id: r
            for r in await session.exec(
                select(HelpRequest).where(col(HelpRequest.id).in_(city.requests))
            )
        }
        people = {
            p.id: p
            for p in await session.exec(
                select(Resident).where(col(Resident.id).in_(city.requesters))
            )
        }
    return [(requests[r], people[p]) for r, p in zip(city.requests, city.requesters, strict=True)]


async def measure(
    database: Database, city: City, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    settings, weights = TrustSettings(), MatchingWeights()
    pairs = await _loaded(database, city)
    timings: dict[str, list[float]] = {"baseline": [], "rank": [], "page": []}
    sizes: dict[str, list[int]] = {"in_reach": [], "category": [], "ranked": [], "trusted": []}
    warm_up = len(pairs)
    for n in range(warm_up + rounds):
        request, requester = pairs[n % len(pairs)]
        async with database.transaction(writes=False) as session:
            started = time.perf_counter()
            reach = Reach(request.cell, request.radius_m)
            # With the status, as the feed index (status, cell) needs: without it PostgreSQL
            # scans the whole table.
            count = await session.exec(
                select(func.count())
                .select_from(Offer)
                .where(Offer.status == OfferStatus.active, col(Offer.cell).in_(reach.cells))
            )
            in_reach = count.one()
            baseline = ms_since(started)

            started = time.perf_counter()
            ranked = await candidates.rank(session, request, settings, weights, utcnow())
            ranking = ms_since(started)

            started = time.perf_counter()
            page = await candidates.candidates(
                session, requester, request.id, settings, weights, None, 20
            )
            paging = ms_since(started)
        if n < warm_up:
            continue
        timings["baseline"].append(baseline)
        timings["rank"].append(ranking)
        timings["page"].append(paging)
        if n < warm_up + len(pairs):  # sizes once per request
            async with database.transaction(writes=False) as session:
                shopping = await session.exec(
                    select(func.count())
                    .select_from(Offer)
                    .where(Offer.status == OfferStatus.active, col(Offer.cell).in_(reach.cells))
                    .where(Offer.category == request.category)
                )
                sizes["category"].append(shopping.one())
            sizes["in_reach"].append(in_reach)
            sizes["ranked"].append(len(ranked))
            sizes["trusted"].append(sum(1 for r in ranked if r.scored.facts.trust.score > 0))
            assert len(page.items) == min(20, len(ranked))
    return timings, sizes


class Steps:
    """Times the steps `rank` calls, by wrapping them where `rank` looks them up: each step's
    wall time (inclusive), its own time (less the steps nested in it), and the SQL it issues
    itself (statements from the cursor events, fetching included; on SQLite the transaction's
    BEGIN counts for the first step that queries)."""

    TARGETS: tuple[tuple[Any, str, str], ...] = (
        (candidates, "Reach", "reach cells (geo)"),
        (candidates, "_offers_in_reach", "offers in reach"),
        (SqlRankReads, "ties_of", "requester's ties"),
        (candidates, "_known_in_reach", "known in reach"),
        (SqlRankReads, "records", "helpers' match records"),
        (SqlRankReads, "active_people", "free to ask"),
        (candidates, "_in_audience", "in audience"),
        (trust, "trust_between", "trust_between"),
        (SqlRankReads, "hidden_from", "  blocks"),
        (SqlRankReads, "path_legs", "  two-hop paths"),
        (SqlRankReads, "vouch_counts", "  vouches"),
        (SqlRankReads, "verifications", "  verifications"),
        (candidates, "_eligible", "eligible"),
        (matching, "score", "score (per candidate)"),
    )
    ROOT = "rank itself"

    def __init__(self, database: Database) -> None:
        self.engine = database.engine.sync_engine
        self.stack: list[list[Any]] = []  # [label, started, nested ms]
        self.wall: dict[str, float] = {}
        self.own: dict[str, float] = {}
        self.sql: dict[str, float] = {}
        self.statements: dict[str, int] = {}
        self._restore: list[tuple[Any, str, Any]] = []
        self._started = 0.0

    def push(self, label: str) -> None:
        self.stack.append([label, time.perf_counter(), 0.0])

    def pop(self) -> None:
        label, started, nested = self.stack.pop()
        elapsed = ms_since(started)
        self.wall[label] = self.wall.get(label, 0.0) + elapsed
        self.own[label] = self.own.get(label, 0.0) + elapsed - nested
        if self.stack:
            self.stack[-1][2] += elapsed

    def _wrap(self, module: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(module, name)
        timed: Callable[..., Any]
        if inspect.iscoroutinefunction(original):

            async def timed(*args: Any, **kwargs: Any) -> Any:
                self.push(label)
                try:
                    return await original(*args, **kwargs)
                finally:
                    self.pop()

        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                self.push(label)
                try:
                    return original(*args, **kwargs)
                finally:
                    self.pop()

        setattr(module, name, timed)
        self._restore.append((module, name, original))

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, *_: Any) -> None:
        label = self.stack[-1][0] if self.stack else self.ROOT
        self.sql[label] = self.sql.get(label, 0.0) + ms_since(self._started)
        self.statements[label] = self.statements.get(label, 0) + 1

    def __enter__(self) -> "Steps":
        for module, name, label in self.TARGETS:
            self._wrap(module, name, label)
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_: object) -> None:
        for module, name, original in reversed(self._restore):
            setattr(module, name, original)
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.wall, self.own, self.sql, self.statements = {}, {}, {}, {}


async def breakdown(database: Database, city: City, rounds: int) -> None:
    settings, weights = TrustSettings(), MatchingWeights()
    pairs = await _loaded(database, city)
    calls: list[tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, int]]] = []
    with Steps(database) as steps:
        for n in range(rounds):
            request, _ = pairs[n % len(pairs)]
            async with database.transaction(writes=False) as session:
                steps.reset()
                steps.push(Steps.ROOT)
                await candidates.rank(session, request, settings, weights, utcnow())
                steps.pop()
                calls.append((steps.wall, steps.own, steps.sql, steps.statements))
    total = statistics.median(call[0][Steps.ROOT] for call in calls)
    print(
        f"\nwhere rank() spends its time ({rounds} calls, with the steps wrapped; medians per "
        "call; own = less nested steps)"
    )
    header = ("step", "wall", "own", "own/rank", "own SQL", "statements")
    print("{:>24} {:>9} {:>9} {:>9} {:>9} {:>11}".format(*header))
    for label in [label for _, _, label in Steps.TARGETS] + [Steps.ROOT]:
        wall = statistics.median(call[0].get(label, 0.0) for call in calls)
        own = statistics.median(call[1].get(label, 0.0) for call in calls)
        sql = statistics.median(call[2].get(label, 0.0) for call in calls)
        count = statistics.median(call[3].get(label, 0) for call in calls)
        print(
            f"{label:>24} {wall:>7.2f}ms {own:>7.2f}ms {own / total:>9.0%} {sql:>7.2f}ms "
            f"{count:>11.0f}"
        )
    print(f"{'rank() total':>24} {total:>7.2f}ms")


def measure_http(base_url: str, city: City, rounds: int) -> tuple[dict[str, list[float]], int]:
    timings: dict[str, list[float]] = {"healthz": [], "candidates": []}
    items: list[int] = []
    with httpx.Client(base_url=base_url, timeout=120) as http:
        headers = []
        for email in city.emails:
            signed = http.post(
                "/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
            )
            signed.raise_for_status()
            headers.append({"Authorization": f"Bearer {signed.json()['access_token']}"})
        paths = [f"/v1/requests/{r}/candidates?limit=20" for r in city.requests]
        for _ in range(50):
            http.get("/healthz").raise_for_status()
        for path, auth in zip(paths, headers, strict=True):  # warm-up
            http.get(path, headers=auth).raise_for_status()
        for n in range(rounds):  # interleaved, so drifting noise hits both alike
            started = time.perf_counter()
            response = http.get("/healthz")
            timings["healthz"].append(ms_since(started))
            response.raise_for_status()
            started = time.perf_counter()
            response = http.get(paths[n % len(paths)], headers=headers[n % len(paths)])
            timings["candidates"].append(ms_since(started))
            response.raise_for_status()
            items.append(len(response.json()["items"]))
    return timings, int(statistics.median(items))


def _row(label: str, values: list[float], base: float) -> str:
    p50 = statistics.median(values)
    return f"{label:>42} {p50:>8.2f}ms {p95(values):>8.2f}ms {p50 / base:>12.1f}x"


async def prepare(url: str, args: argparse.Namespace) -> City:
    await upgrade(url)
    database = Database.connect(url)
    try:
        started = time.perf_counter()
        city = await seed(url, database, args.residents, args.requests)
        print(
            f"{make_url(url).get_backend_name()}: the kith demo city of {args.residents} "
            f"residents; seeded in {time.perf_counter() - started:.0f}s"
        )
        timings, sizes = await measure(database, city, args.rounds)
        print(
            f"{len(city.requests)} open requests; per request (median / max): offers in reach "
            f"cells {statistics.median(sizes['in_reach']):.0f} / {max(sizes['in_reach'])}, of "
            f"them in its category {statistics.median(sizes['category']):.0f} / "
            f"{max(sizes['category'])}; candidates {statistics.median(sizes['ranked']):.0f} / "
            f"{max(sizes['ranked'])}, with some trust "
            f"{statistics.median(sizes['trusted']):.0f} / {max(sizes['trusted'])}"
        )
        base = statistics.median(timings["baseline"])
        print(f"\nin-process, {args.rounds} calls each")
        print(f"{'':>42} {'p50':>10} {'p95':>10} {'p50/baseline':>13}")
        print(_row("active offers in reach, COUNT (baseline)", timings["baseline"], base))
        print(_row("candidates.rank", timings["rank"], base))
        print(_row("candidates.candidates (page of 20)", timings["page"], base))
        if args.breakdown:
            await breakdown(database, city, args.breakdown)
        return city
    finally:
        await database.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--http-rounds", type=int, default=200)
    parser.add_argument("--breakdown", type=int, default=50, help="rank() calls; 0: none")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        if args.database == "postgres":
            url = asyncio.run(create_postgres(args.postgres_admin_url))
        else:
            url = f"sqlite+aiosqlite:///{Path(workdir)}/matching.db"
        try:
            city = asyncio.run(prepare(url, args))
            if not args.http_rounds:
                return
            process, base_url = serve(url, Path(workdir), KITH_RUN_WORKER="true")
            try:
                timings, items = measure_http(base_url, city, args.http_rounds)
            finally:
                process.terminate()
                process.wait(timeout=30)
            base = statistics.median(timings["healthz"])
            print(f"\nover HTTP (kith serve), {args.http_rounds} calls each, interleaved")
            print(f"{'':>42} {'p50':>10} {'p95':>10} {'p50/baseline':>13}")
            print(_row("GET /healthz (baseline)", timings["healthz"], base))
            print(_row("GET .../candidates?limit=20", timings["candidates"], base))
            print(f"candidates per page: median {items}")
        finally:
            if args.database == "postgres":
                asyncio.run(drop_postgres(args.postgres_admin_url, url))


if __name__ == "__main__":
    main()
