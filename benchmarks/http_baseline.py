"""Latency of the foundation's endpoints through a real `kith serve`, against /healthz.

Starts the server on a fresh SQLite file (or DATABASE_URL if set), with the production
argon2 cost, and drives it sequentially from one keep-alive client. Rate limits are raised
so the benchmark measures work, not refusals.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

KITH = str(Path(sys.executable).parent / "kith")
PASSWORD = "benchmark-heron-quarry-73"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{workdir}/bench.db"),
        "KITH_LOG_LEVEL": "WARNING",
        "KITH_RATE_LIMITS__LOGIN_PER_ACCOUNT": "100000/minute",
        "KITH_RATE_LIMITS__LOGIN_PER_CLIENT": "100000/minute",
        "KITH_RATE_LIMITS__REGISTER_PER_CLIENT": "100000/minute",
        "KITH_RATE_LIMITS__REFRESH_PER_CLIENT": "100000/minute",
        # One resident from one address makes every request: lift the general limits too.
        "KITH_RATE_LIMITS__PER_RESIDENT": "1000000/minute",
        "KITH_RATE_LIMITS__PER_ADDRESS": "1000000/minute",
        "KITH_RATE_LIMITS__PER_API_KEY": "1000000/minute",
    }
    process = subprocess.Popen(
        [KITH, "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("kith serve did not start")


def timed(count: int, call: Callable[[], httpx.Response]) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return samples


def run_round(http: httpx.Client, requests: int, logins: int) -> dict[str, list[float]]:
    email = f"bench-{time.time_ns()}@example.org"
    http.post(
        "/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": "Bench",
            "home": {"lat": 51.4545, "lon": -2.5879},
        },
    ).raise_for_status()
    tokens = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    current = {"refresh_token": tokens["refresh_token"]}

    def refresh() -> httpx.Response:
        response = http.post("/v1/auth/refresh", json=current)
        current["refresh_token"] = response.json()["refresh_token"]
        return response

    return {
        "GET /healthz (baseline)": timed(requests, lambda: http.get("/healthz")),
        "GET /v1/me": timed(requests, lambda: http.get("/v1/me", headers=auth)),
        "POST /v1/auth/refresh": timed(requests // 2, refresh),
        "POST /v1/auth/token": timed(
            logins,
            lambda: http.post("/v1/auth/token", data={"username": email, "password": PASSWORD}),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--logins", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        process, url = start_server(Path(workdir))
        try:
            merged: dict[str, list[float]] = {}
            with httpx.Client(base_url=url, timeout=30) as http:
                timed(50, lambda: http.get("/healthz"))  # warm-up
                for _ in range(args.rounds):
                    for name, samples in run_round(http, args.requests, args.logins).items():
                        merged.setdefault(name, []).extend(samples)
        finally:
            process.terminate()
            process.wait(timeout=20)

    baseline = statistics.median(merged["GET /healthz (baseline)"])
    print(f"{'operation':28} {'n':>6} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, samples in merged.items():
        median = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[18]
        print(f"{name:28} {len(samples):>6} {median:>10.2f} {p95:>8.2f} {median / baseline:>11.1f}")


if __name__ == "__main__":
    main()
