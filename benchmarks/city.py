"""Kith at city scale: the synthetic city of `kith demo --residents N`, at each size asked for,
on SQLite or PostgreSQL.

For open requests spread over the city (their requesters signed in for real), it measures
- candidates for one request in-process (`candidates.candidates`, a page of 20), p50 and p95;
- over HTTP, through a real `kith serve` on loopback: `GET /v1/requests/{id}/candidates`
  and the nearby feeds `GET /v1/offers`, `/v1/requests`, `/v1/events`, p50 and p95, each
  call interleaved with `GET /healthz`, a trivial JSON endpoint of the same app (baseline);
- throughput under concurrent load (wrk, on loopback): requests per second of candidates and
  of the offers feed, as a ratio to /healthz in the same run;
- the peak memory (VmHWM) of that `kith serve` after all of it;
- then the same with the per-replica read model on (`KITH_READ_MODEL__ENABLED`), at each
  max staleness asked (250 ms and 0 by default): candidates latency, throughput against that
  server's own /healthz, how long it took to be ready, and its peak memory.

Cities are kept between runs, since a million residents take a while to seed: SQLite files in
benchmarks/.cities/, PostgreSQL databases named kith_city_<N>. `kith demo` adds only what is
missing. The throughput needs wrk (`apt-get install wrk`); without it that part is skipped,
and said so.

    .venv/bin/python benchmarks/city.py --residents 10000 100000 --database postgres
"""

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from common import KITH, POSTGRES_ADMIN_URL, create_postgres, ms_since, p95, peak_memory_mib, serve
from sqlalchemy import text
from sqlmodel import col, select

from api.db import Database
from models.base import utcnow
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident
from services import candidates
from services.demo import DEMO_PASSWORD
from services.matching import MatchingWeights
from services.trust import TrustSettings

CITIES = Path(__file__).resolve().parent / ".cities"
FEEDS = {
    "offers": "/v1/offers?within_m=1500&limit=20",
    "requests": "/v1/requests?within_m=1500&limit=20",
    "events": "/v1/events?within_m=3000&limit=20",
}


@dataclass
class Sample:
    """Open requests spread over the city, and their requesters."""

    requests: list[uuid.UUID] = field(default_factory=list)
    requesters: list[Resident] = field(default_factory=list)


@dataclass
class Figures:
    residents: int
    seeded_s: float
    latency: dict[str, list[float]] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    peak_mib: float = 0.0
    candidates_per_page: int = 0
    loaded_s: dict[str, float] = field(default_factory=dict)  # start to read model ready
    peak_mib_by: dict[str, float] = field(default_factory=dict)


async def city_url(residents: int, backend: str, admin_url: str) -> str:
    if backend == "postgres":
        return await create_postgres(admin_url, f"kith_city_{residents}")
    CITIES.mkdir(exist_ok=True)
    return f"sqlite+aiosqlite:///{CITIES / f'city-{residents}.db'}"


def seed(url: str, residents: int) -> float:
    """`kith demo --residents N`: seconds taken (near none when the city is already there)."""
    started = time.perf_counter()
    done = subprocess.run(
        [KITH, "demo", "--residents", str(residents)],
        env={**os.environ, "DATABASE_URL": url, "KITH_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"kith demo failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


async def sample(url: str, count: int) -> Sample:
    """Open requests of the city's residents (not the demo neighbourhood's), in id order:
    ids are hashes, so that order scatters them over the city."""
    database = Database.connect(url)
    try:
        if database.engine.dialect.name == "postgresql":
            async with database.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE"))  # as autovacuum soon would
        async with database.transaction(writes=False) as session:
            rows = await session.exec(
                select(HelpRequest, Resident)
                .join(Resident, col(Resident.id) == HelpRequest.owner_id)
                .where(HelpRequest.status == RequestStatus.open)
                .where(col(Resident.email).like("n%.r%@%"), Resident.status == "active")
                .order_by(col(HelpRequest.id))
                .limit(count)
            )
            found = Sample()
            for request, requester in rows.all():
                found.requests.append(request.id)
                found.requesters.append(requester)
            return found
    finally:
        await database.engine.dispose()


async def in_process(url: str, city: Sample, rounds: int) -> list[float]:
    database = Database.connect(url)
    settings, weights = TrustSettings(), MatchingWeights()
    timings = []
    try:
        pairs = list(zip(city.requests, city.requesters, strict=True))
        for n in range(len(pairs) + rounds):  # one pass to warm up
            request_id, requester = pairs[n % len(pairs)]
            async with database.transaction(writes=False) as session:
                started = time.perf_counter()
                await candidates.candidates(
                    session, requester, request_id, settings, weights, None, 20
                )
                if n >= len(pairs):
                    timings.append(ms_since(started))
    finally:
        await database.engine.dispose()
    return timings


def sign_in(http: httpx.Client, city: Sample) -> list[str]:
    tokens = []
    for requester in city.requesters:
        signed = http.post(
            "/v1/auth/token", data={"username": requester.email, "password": DEMO_PASSWORD}
        )
        signed.raise_for_status()
        tokens.append(f"Bearer {signed.json()['access_token']}")
    return tokens


def over_http(
    http: httpx.Client, city: Sample, tokens: list[str], rounds: int, feeds: bool = True
) -> tuple[dict[str, list[float]], int]:
    paths = {
        "candidates": candidate_paths(city),
        **{name: [path] * len(tokens) for name, path in FEEDS.items() if feeds},
    }
    timings: dict[str, list[float]] = {"healthz": [], **{name: [] for name in paths}}
    items = []
    for n in range(len(tokens) + rounds):  # one pass to warm up
        who = n % len(tokens)
        for name, each in paths.items():
            started = time.perf_counter()
            http.get("/healthz").raise_for_status()
            healthz = ms_since(started)
            started = time.perf_counter()
            response = http.get(each[who], headers={"Authorization": tokens[who]})
            took = ms_since(started)
            response.raise_for_status()
            if n < len(tokens):
                continue
            timings["healthz"].append(healthz)
            timings[name].append(took)
            if name == "candidates":
                items.append(len(response.json()["items"]))
    return timings, int(statistics.median(items))


WRK_SCRIPT = """
paths = {%s}
tokens = {%s}
n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n], {["Authorization"] = tokens[n]})
end
"""


def wrk_script(paths: list[str], tokens: list[str]) -> str:
    """A wrk script that sends the paths in turn, each with its bearer token."""
    quoted = ", ".join(f'"{p}"' for p in paths)
    headers = ", ".join(f'"{t}"' for t in tokens)
    return WRK_SCRIPT % (quoted, headers)


def candidate_paths(city: Sample) -> list[str]:
    return [f"/v1/requests/{r}/candidates?limit=20" for r in city.requests]


def load(base_url: str, paths: list[str], tokens: list[str], seconds: int) -> tuple[float, int]:
    """Requests per second under wrk (one thread, eight connections), and how many failed."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(paths, tokens))
    try:
        done = subprocess.run(
            ["wrk", "-t1", "-c8", f"-d{seconds}s", "-s", script.name, base_url],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    errors = re.search(r"Socket errors: .*", done.stdout)
    if rate is None:
        raise RuntimeError(done.stdout)
    return float(rate.group(1)), (int(failed.group(1)) if failed else 0) + (1 if errors else 0)


def measure(args: argparse.Namespace, residents: int) -> Figures:
    url = asyncio.run(city_url(residents, args.database, args.postgres_admin_url))
    figures = Figures(residents, seed(url, residents))
    city = asyncio.run(sample(url, args.requests))
    figures.latency["in-process candidates"] = asyncio.run(in_process(url, city, args.rounds))
    with tempfile.TemporaryDirectory() as workdir:
        process, base_url = serve(url, Path(workdir))
        try:
            with httpx.Client(base_url=base_url, timeout=120) as http:
                tokens = sign_in(http, city)
                timings, figures.candidates_per_page = over_http(http, city, tokens, args.rounds)
            figures.latency.update(timings)
            if shutil.which("wrk") and args.load_seconds:
                targets = {
                    "healthz": ["/healthz"],
                    "candidates": candidate_paths(city),
                    "offers": [FEEDS["offers"]] * len(tokens),
                }
                for name, paths in targets.items():
                    rate, failed = load(base_url, paths, tokens, args.load_seconds)
                    figures.throughput[name], figures.failed[name] = rate, failed
            figures.peak_mib = peak_memory_mib(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
        for staleness in args.read_model_staleness_ms:
            with_read_model(args, url, city, Path(workdir), staleness, figures)
    return figures


def with_read_model(
    args: argparse.Namespace,
    url: str,
    city: Sample,
    workdir: Path,
    staleness_ms: int,
    figures: Figures,
) -> None:
    """The same city served with the read model on: candidates latency, wrk throughput
    against this server's own /healthz, the time it took to load, and peak memory."""
    label = f"read model, {staleness_ms} ms"
    started = time.perf_counter()
    process, base_url = serve(
        url,
        workdir,
        KITH_READ_MODEL__ENABLED="true",
        KITH_READ_MODEL__MAX_STALENESS_MS=str(staleness_ms),
    )
    try:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            while http.get("/readyz").json().get("read_model") != "ready":
                if process.poll() is not None:
                    raise SystemExit("kith serve stopped while loading its read model")
                time.sleep(0.2)
            figures.loaded_s[label] = time.perf_counter() - started
            tokens = sign_in(http, city)
            timings, _ = over_http(http, city, tokens, args.rounds, feeds=False)
        figures.latency[f"candidates ({label})"] = timings["candidates"]
        if shutil.which("wrk") and args.load_seconds:
            for name, paths in (
                (f"healthz ({label})", ["/healthz"]),
                (f"candidates ({label})", candidate_paths(city)),
            ):
                rate, failed = load(base_url, paths, tokens, args.load_seconds)
                figures.throughput[name], figures.failed[name] = rate, failed
        figures.peak_mib_by[label] = peak_memory_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def report(all_figures: list[Figures], backend: str) -> None:
    print(f"\n{backend}, {utcnow():%Y-%m-%d}, {os.cpu_count()} cores")
    for figures in all_figures:
        base = statistics.median(figures.latency["healthz"])
        print(
            f"\n{figures.residents:,} residents (seed step {figures.seeded_s:.0f} s); "
            f"candidates per page: median {figures.candidates_per_page}"
        )
        print(f"{'':>34} {'p50':>9} {'p95':>9} {'p50/healthz':>12}")
        for name, values in figures.latency.items():
            label = name if name.startswith("in-process") else f"HTTP {name}"
            print(
                f"{label:>34} {statistics.median(values):>7.2f}ms {p95(values):>7.2f}ms "
                f"{statistics.median(values) / base:>11.1f}x"
            )
        if figures.throughput:
            for name, rate in figures.throughput.items():
                # Each server against its own /healthz, measured beside it.
                _, paren, server = name.partition(" (")
                trivial = figures.throughput["healthz" + (f" ({server}" if paren else "")]
                print(
                    f"{'wrk ' + name:>34} {rate:>9.0f}/s {rate / trivial:>9.3f}x of /healthz"
                    + (f"  ({figures.failed[name]} failed)" if figures.failed[name] else "")
                )
        else:
            print(f"{'wrk':>34} skipped (no wrk on PATH, or --load-seconds 0)")
        print(f"{'kith serve peak memory':>34} {figures.peak_mib:>7.0f} MiB")
        for label, mib in figures.peak_mib_by.items():
            print(
                f"{'... with ' + label:>34} {mib:>7.0f} MiB, "
                f"ready {figures.loaded_s[label]:.1f} s after start"
            )
    if len(all_figures) > 1:
        first = all_figures[0]
        print(f"\np95 growth against {first.residents:,} residents")
        for name in ("in-process candidates", "candidates", "offers", "requests", "events"):
            growth = ", ".join(
                f"{f.residents:,}: {p95(f.latency[name]) / p95(first.latency[name]):.2f}x"
                for f in all_figures[1:]
            )
            print(f"{name:>34} {growth}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    parser.add_argument("--requests", type=int, default=30, help="open requests sampled")
    parser.add_argument("--rounds", type=int, default=300, help="timed calls of each kind")
    parser.add_argument("--load-seconds", type=int, default=10, help="wrk per endpoint; 0: none")
    parser.add_argument(
        "--read-model-staleness-ms",
        type=int,
        nargs="*",
        default=[250, 0],
        help="serve again with the read model on, at each max staleness (none: skip)",
    )
    args = parser.parse_args()
    figures = []
    for residents in args.residents:
        print(f"{residents:,} residents on {args.database}...", file=sys.stderr, flush=True)
        figures.append(measure(args, residents))
    report(figures, args.database)


if __name__ == "__main__":
    main()
