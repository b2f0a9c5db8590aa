"""Latency of the foundation's endpoints through a real `kith serve`, against /healthz.

Starts the server on a fresh SQLite file (or DATABASE_URL if set), with the production
argon2 cost, and drives it sequentially from one keep-alive client. Rate limits are raised
so the benchmark measures work, not refusals.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from common import serve

PASSWORD = "benchmark-heron-quarry-73"


def start_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    url = os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{workdir}/bench.db")
    return serve(url, workdir, KITH_RUN_WORKER="true")


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
