"""A real `kith serve` process on a free port, over a fresh database, for end-to-end tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_database

KITH = str(Path(sys.executable).parent / "kith")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(
        self,
        url: str,
        env: dict[str, str],
        log: Path,
        process: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.url = url
        self.env = env
        self.log = log
        self.process = process  # for tests that stop it themselves


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(tmp_path) as url:
        yield url


@contextmanager
def _serving(database: str, workdir: Path, **extra_env: str) -> Iterator[Server]:
    port = _free_port()
    log = workdir / "server.log"
    env = os.environ | {
        "DATABASE_URL": database,
        "KITH_ENVIRONMENT": "development",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",  # for test receivers on loopback
        "KITH_WORKER_INTERVAL_S": "0.5",
        **extra_env,
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [KITH, "serve", "--port", str(port), "--demo"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            # Generous: a loaded CI machine (both databases run at once) can be slow to start
            # a server that also seeds demo data; the deadline only stops a hung start.
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield Server(url, env, log, process)
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture
def server(database: str, tmp_path: Path) -> Iterator[Server]:
    """`kith serve --demo`, with its in-process worker."""
    with _serving(database, tmp_path) as running:
        yield running


@pytest.fixture
def server_without_worker(database: str, tmp_path: Path) -> Iterator[Server]:
    """For tests that run the jobs themselves and count what they did."""
    with _serving(database, tmp_path, KITH_RUN_WORKER="false") as running:
        yield running
