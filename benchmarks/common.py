"""What several benchmarks share: percentiles, a real `kith serve` on a seeded database, and
fresh PostgreSQL databases."""

import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

KITH = str(Path(sys.executable).parent / "kith")
POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# One resident from one address makes every request: lift the limits meant for people.
UNLIMITED = {
    "KITH_AUTH__ACCESS_TTL_S": "86400",
    "KITH_RATE_LIMITS__LOGIN_PER_ACCOUNT": "100000/minute",
    "KITH_RATE_LIMITS__LOGIN_PER_CLIENT": "100000/minute",
    "KITH_RATE_LIMITS__REGISTER_PER_CLIENT": "100000/minute",
    "KITH_RATE_LIMITS__REFRESH_PER_CLIENT": "100000/minute",
    "KITH_RATE_LIMITS__PER_RESIDENT": "100000000/minute",
    "KITH_RATE_LIMITS__PER_ADDRESS": "100000000/minute",
    "KITH_RATE_LIMITS__PER_API_KEY": "100000000/minute",
}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(database_url: str, workdir: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """`kith serve` on the seeded database, its worker off, limits lifted; (process, url)."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KITH_LOG_LEVEL": "WARNING",
        "KITH_RUN_WORKER": "false",
        **UNLIMITED,
        **env,
    }
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        [KITH, "serve", "--port", str(port)],
        env=environment,
        cwd=workdir,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    sys.stderr.write((workdir / "serve.log").read_text()[-4000:])
    raise SystemExit("kith serve did not start")


def peak_memory_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc: Linux only")


async def create_postgres(admin_url: str, name: str | None = None) -> str:
    """A new database's URL (a random name unless given; an existing one is kept)."""
    name = name or f"kith_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if found.first() is None:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(admin_url: str, url: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            name = make_url(url).database
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
