"""A request's candidate helpers (services.candidates) on a synthetic city: 100k residents,
50k open offers, 1M ties.

Residents live in neighbourhoods (hubs about 3 km apart, each ~700 people within a kilometre
or so) spread over a wide city, so that a request's 1.5 km reach holds a few hundred offers
of every kind, an eighth of them shopping (the requests' category). Ties are mostly within a
neighbourhood, some to anyone, of every kind and age; there are vouches, verifications,
blocks and a year of past matches; each requester has ties with shopping offer holders near
them, so direct ties and two-hop paths are both in play.

For a dozen open requests it times, with a baseline measured in the same run:
- in-process: `candidates.rank` and the whole `candidates.candidates` page of 20, against
  one indexed `COUNT(*)` of the active offers in the request's reach cells;
- over HTTP, through a real `kith serve` on the same database: `GET
  /v1/requests/{id}/candidates?limit=20` as the requester, against `GET /healthz`;
then where `rank` spends its time, step by step, with the SQL time each step issues itself.

SQLite (a temp file) by default; `--database postgres` creates a fresh PostgreSQL database
and drops it at the end.
"""

import argparse
import asyncio
import inspect
import math
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from common import POSTGRES_ADMIN_URL, create_postgres, drop_postgres, ms_since, p95, serve
from sqlalchemy import event, func, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from models.base import utcnow
from models.categories import Category
from models.matches import Match, MatchOrigin, MatchStatus
from models.offers import Offer, OfferStatus
from models.requests import HelpRequest
from models.residents import Resident
from models.ties import MUTUAL_KINDS, Tie, TieKind
from models.trust import Block
from models.verifications import Verification, VerificationKind
from models.vouches import Vouch
from services import candidates, matching, trust, verifications
from services.geo import cell_of
from services.matching import MatchingWeights
from services.passwords import PasswordHasher
from services.posts import Reach
from services.trust import TrustSettings

CENTRE = (51.4545, -2.5879)  # Bristol
KM_LAT = 1 / 111.2  # degrees per km, north-south
KM_LON = 1 / (111.2 * math.cos(math.radians(CENTRE[0])))
PER_HUB = 700
HUB_SPACING_KM = 3.0
HUB_SPREAD_KM = 0.8  # standard deviation around a hub, each axis
CATEGORY = Category.shopping  # every request's; an eighth of the offers
OTHERS = [c for c in Category if c not in (CATEGORY, Category.personal_care)]
KINDS = list(TieKind)
CHUNK = 5000
PASSWORD = "benchmark-heron-quarry-73"
Row = dict[str, object]


@dataclass
class City:
    requesters: list[uuid.UUID] = field(default_factory=list)  # request i is requester i's
    emails: list[str] = field(default_factory=list)
    requests: list[uuid.UUID] = field(default_factory=list)
    shopping_offers: int = 0
    tie_rows: int = 0


async def _insert(database: Database, model: Any, rows: Iterable[Row]) -> int:
    """Core bulk inserts in chunks, in one transaction; the number of rows."""
    count = 0
    async with database.engine.begin() as connection:
        chunk: list[Row] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                await connection.execute(insert(model), chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            await connection.execute(insert(model), chunk)
            count += len(chunk)
    return count


def _post(owner: uuid.UUID, cell: str, created: Any, **extra: object) -> Row:
    return {
        "id": uuid.uuid4(),
        "owner_id": owner,
        "title": "Benchmark post",
        "details": "",
        "cell": cell,
        "availability": {},
        "visibility": "nearby",
        "version": 1,
        "created_at": created,
        "updated_at": created,
    } | extra


async def seed(
    database: Database,
    residents: int,
    offer_count: int,
    tie_count: int,
    request_count: int,
    radius_m: int,
    match_count: int,
) -> City:
    rng = random.Random(7)
    now = utcnow()
    city = City()
    hub_count = max(1, residents // PER_HUB)
    side = math.sqrt(hub_count) * HUB_SPACING_KM
    hubs = [
        (
            CENTRE[0] + rng.uniform(-side / 2, side / 2) * KM_LAT,
            CENTRE[1] + rng.uniform(-side / 2, side / 2) * KM_LON,
        )
        for _ in range(hub_count)
    ]
    ids = [uuid.uuid4() for _ in range(residents)]
    hub_of = [rng.randrange(hub_count) for _ in range(residents)]
    members: list[list[int]] = [[] for _ in hubs]
    for index, hub in enumerate(hub_of):
        members[hub].append(index)
    cells = [
        cell_of(
            hubs[hub][0] + rng.gauss(0, HUB_SPREAD_KM) * KM_LAT,
            hubs[hub][1] + rng.gauss(0, HUB_SPREAD_KM) * KM_LON,
            8,
        )
        for hub in hub_of
    ]
    requesters = rng.sample(range(residents), request_count)
    hashed = await PasswordHasher().hash(PASSWORD)  # production cost: `kith serve` checks it

    def people() -> Iterator[Row]:
        chosen = set(requesters)
        for index, rid in enumerate(ids):
            quiet = rng.random() < 0.1
            yield {
                "id": rid,
                "email": f"city{index}@example.org",
                "display_name": f"Neighbour {index}",
                "bio": "",
                "password_hash": hashed if index in chosen else "-",
                "home_cell": cells[index],
                "cell_resolution": 8,
                "skills": [],
                "languages": [],
                "weekly_help_cap": rng.choice((1, 2, 3, 3, 3, 5)),
                "quiet_from": "22:00" if quiet else None,
                "quiet_until": "07:00" if quiet else None,
                "timezone": "Europe/London",
                "status": "active" if index in chosen or rng.random() > 0.01 else "suspended",
                "is_admin": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }

    await _insert(database, Resident, people())

    shop_owners: list[list[int]] = [[] for _ in hubs]
    offer_rows: list[Row] = []
    for _ in range(offer_count):
        owner = rng.randrange(residents)
        category = CATEGORY if rng.random() < 1 / 8 else rng.choice(OTHERS)
        if category == CATEGORY:
            shop_owners[hub_of[owner]].append(owner)
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
        offer_rows.append(
            _post(
                ids[owner],
                cells[owner],
                created,
                category=category.value,
                radius_m=rng.choice((1500, 2000, 3000)),
                status="active",
                expires_at=created + timedelta(days=60),
            )
        )
    city.shopping_offers = sum(len(owners) for owners in shop_owners)
    await _insert(database, Offer, offer_rows)

    # Open requests, one per requester, from their home cell.
    open_rows: list[Row] = []
    for n, index in enumerate(requesters):
        request_id = uuid.uuid4()
        row = _post(
            ids[index],
            cells[index],
            now,
            id=request_id,
            category=CATEGORY.value,
            radius_m=radius_m,
            status="open",
            expires_at=now + timedelta(days=60),
            urgency="normal",
            needed_by=now + timedelta(days=3) if n % 2 else None,
            helpers_needed=1,
            eligibility="anyone",
        )
        city.requesters.append(ids[index])
        city.emails.append(f"city{index}@example.org")
        city.requests.append(request_id)
        open_rows.append(row)
    await _insert(database, HelpRequest, open_rows)

    # A year of past requests, each with one match with a neighbour.
    past: list[Row] = []
    matches: list[Row] = []
    for _ in range(match_count):
        asker = rng.randrange(residents)
        helper = rng.choice(members[hub_of[asker]])
        if helper == asker:
            continue
        created = now - timedelta(days=rng.uniform(0, 365))
        status = rng.choices(
            (MatchStatus.completed, MatchStatus.declined, MatchStatus.cancelled,
             MatchStatus.accepted, MatchStatus.proposed),
            (70, 15, 5, 5, 5),
        )[0]  # fmt: skip
        accepted = status in (MatchStatus.completed, MatchStatus.accepted)
        request = _post(
            ids[asker],
            cells[asker],
            created,
            category=rng.choice([CATEGORY, *OTHERS]).value,
            radius_m=1500,
            status="fulfilled" if status == MatchStatus.completed else "expired",
            expires_at=created + timedelta(days=60),
            urgency="normal",
            needed_by=None,
            helpers_needed=1,
            eligibility="anyone",
        )
        past.append(request)
        matches.append(
            {
                "id": uuid.uuid4(),
                "request_id": request["id"],
                "requester_id": ids[asker],
                "helper_id": ids[helper],
                "offer_id": None,
                "origin": rng.choice(list(MatchOrigin)).value,
                "status": status.value,
                "score_permille": rng.randint(200, 900),
                "reasons": [],
                "helper_contact": None,
                "requester_contact": None,
                "meeting_note": None,
                "helper_thanks": None,
                "requester_thanks": None,
                "expires_at": None,
                "accepted_at": created + timedelta(hours=2) if accepted else None,
                "confirmed_at": created + timedelta(hours=3) if accepted else None,
                "closed_at": created + timedelta(days=2)
                if status != MatchStatus.accepted
                else None,
                "version": 1,
                "created_at": created,
                "updated_at": created,
            }
        )
    await _insert(database, HelpRequest, past)
    await _insert(database, Match, matches)

    # Ties: each requester knows a few shopping offer holders nearby; the rest are mostly
    # within a neighbourhood, some to anyone.
    pairs: set[tuple[int, int, TieKind]] = set()
    for index in requesters:
        near = [o for o in shop_owners[hub_of[index]] if o != index]
        for other in rng.sample(near, min(6, len(near))):
            kind = rng.choice((TieKind.connected, TieKind.met))
            pairs.add((min(index, other), max(index, other), kind))
    while len(pairs) < tie_count:
        a = rng.randrange(residents)
        b = rng.choice(members[hub_of[a]]) if rng.random() < 0.8 else rng.randrange(residents)
        if a != b:
            pairs.add((min(a, b), max(a, b), rng.choice(KINDS)))

    def tie_rows() -> Iterator[Row]:
        for a, b, kind in pairs:
            last = now - timedelta(days=rng.uniform(0, 730))
            since = last - timedelta(days=rng.uniform(0, 365))
            times = rng.choice((1, 1, 1, 2, 3))
            context = "the Elm St supper" if kind == TieKind.met else None
            # Mutual kinds from both sides; a vouch only from the voucher's.
            for x, y in ((a, b), (b, a)) if kind in MUTUAL_KINDS else ((a, b),):
                yield {
                    "resident_id": ids[x],
                    "other_id": ids[y],
                    "kind": kind.value,
                    "since": since,
                    "last_at": last,
                    "times": times,
                    "context": context,
                }

    city.tie_rows = await _insert(database, Tie, tie_rows())
    await _insert(
        database,
        Vouch,
        (
            {
                "id": uuid.uuid4(),
                "voucher_id": ids[v],
                "vouchee_id": ids[rng.choice(members[hub_of[v]])],
                "by_connector": rng.random() < 0.1,
                "note": "",
                "created_at": now,
                "revoked_at": now if rng.random() < 0.1 else None,
            }
            for v in rng.sample(range(residents), residents // 2)
        ),
    )
    await _insert(
        database,
        Verification,
        (
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
        ),
    )
    blocks = {(rng.randrange(residents), rng.randrange(residents)) for _ in range(residents // 20)}
    await _insert(
        database,
        Block,
        (
            {"blocker_id": ids[a], "blocked_id": ids[b], "created_at": now}
            for a, b in blocks
            if a != b
        ),
    )
    if database.engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load (as benchmarks/trust.py).
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    return city


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
    sizes: dict[str, list[int]] = {"in_reach": [], "shopping": [], "ranked": [], "trusted": []}
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
                    .where(Offer.category == CATEGORY)
                )
                sizes["shopping"].append(shopping.one())
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

    TARGETS: tuple[tuple[ModuleType, str, str], ...] = (
        (candidates, "Reach", "reach cells (geo)"),
        (candidates, "_offers_in_reach", "offers in reach"),
        (candidates, "_known_in_reach", "known in reach"),
        (candidates, "_free_to_ask", "free to ask"),
        (candidates, "_in_audience", "in audience"),
        (candidates, "trust_between", "trust_between"),
        (trust, "_hidden_from", "  blocks"),
        (trust, "_my_ties", "  viewer's ties"),
        (trust, "_best_paths", "  two-hop paths"),
        (trust, "_vouches", "  vouches"),
        (verifications, "current", "  verifications"),
        (candidates, "_eligible", "eligible"),
        (candidates, "_counts", "match counts (2 calls)"),
        (candidates, "_helped_counts", "helped counts"),
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
        self._restore: list[tuple[ModuleType, str, Any]] = []
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

    def _wrap(self, module: ModuleType, name: str, label: str) -> None:
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
            signed = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
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
        matches = args.residents // 5 if args.matches is None else args.matches
        city = await seed(
            database,
            args.residents,
            args.offers,
            args.ties,
            args.requests,
            args.radius,
            matches,
        )
        print(
            f"{make_url(url).get_backend_name()}: {args.residents} residents, {args.offers} "
            f"offers ({city.shopping_offers} {CATEGORY.value}), {args.ties} ties "
            f"({city.tie_rows} rows), {matches} past matches; seeded in "
            f"{time.perf_counter() - started:.0f}s"
        )
        timings, sizes = await measure(database, city, args.rounds)
        print(
            f"{len(city.requests)} open {CATEGORY.value} requests, radius {args.radius} m; per "
            f"request (median / max): offers in reach cells "
            f"{statistics.median(sizes['in_reach']):.0f} / {max(sizes['in_reach'])}, of them "
            f"{CATEGORY.value} {statistics.median(sizes['shopping']):.0f} / "
            f"{max(sizes['shopping'])}; candidates {statistics.median(sizes['ranked']):.0f} / "
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
    parser.add_argument("--offers", type=int, default=50_000)
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--matches", type=int, default=None, help="default: residents / 5")
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--radius", type=int, default=1500)
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
