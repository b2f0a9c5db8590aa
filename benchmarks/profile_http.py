"""Where a hot endpoint's time goes under load: `kith serve` on a seeded city (as city.py
keeps them), wrk driving candidates or the offers feed, and py-spy sampling the server.

Prints the share of samples in which each of Kith's own functions was on the stack (so
nested functions add up past 100%), then the flame data's path for a closer look. Needs wrk
(`apt-get install wrk`) and py-spy (`.venv/bin/pip install py-spy`).

    .venv/bin/python benchmarks/profile_http.py --residents 100000 --database postgres
"""

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from city import FEEDS, candidate_paths, city_url, sample, seed, sign_in, wrk_script
from common import POSTGRES_ADMIN_URL, serve

OURS = re.compile(r"\((api|services|models)/")


def shares(raw: Path) -> list[tuple[float, str]]:
    """Inclusive share per function of Kith's own, from py-spy's raw (collapsed) output."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        total += int(n)
        frames = {re.sub(r":\d+\)", ")", frame) for frame in stack.split(";")}
        for frame in frames:
            if OURS.search(frame):
                counts[frame] += int(n)
    return [(100 * n / total, frame) for frame, n in counts.most_common()]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-admin-url", default=POSTGRES_ADMIN_URL)
    parser.add_argument("--endpoint", choices=("candidates", "offers"), default="candidates")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--read-model",
        action="store_true",
        help="serve with the read model on (max staleness 250 ms), once it has loaded",
    )
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists() or not shutil.which("wrk"):
        raise SystemExit(
            "needs py-spy (.venv/bin/pip install py-spy) and wrk (apt-get install wrk)"
        )

    url = asyncio.run(city_url(args.residents, args.database, args.postgres_admin_url))
    seed(url, args.residents)
    city = asyncio.run(sample(url, 30))
    workdir = Path(tempfile.mkdtemp(prefix="kith-profile-"))
    model = {"KITH_READ_MODEL__ENABLED": "true"} if args.read_model else {}
    process, base_url = serve(url, workdir, **model)
    try:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            while args.read_model and http.get("/readyz").json()["read_model"] != "ready":
                time.sleep(0.2)
            tokens = sign_in(http, city)
        if args.endpoint == "candidates":
            paths = candidate_paths(city)
        else:
            paths = [FEEDS["offers"]] * len(tokens)
        script = workdir / "load.lua"
        script.write_text(wrk_script(paths, tokens))
        raw = workdir / "profile.txt"
        sampling = subprocess.Popen(
            [spy, "record", "-p", str(process.pid), "-d", str(args.seconds), "-r", "200",
             "-f", "raw", "-o", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        load = subprocess.run(
            ["wrk", "-t1", "-c8", f"-d{args.seconds + 1}s", "-s", str(script), base_url],
            capture_output=True,
            text=True,
            check=True,
        )
        sampling.wait()
    finally:
        process.terminate()
        process.wait(timeout=30)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", load.stdout)
    print(f"{args.endpoint} under wrk: {rate.group(1) if rate else '?'} requests/s")
    print(
        "share of all samples with each function on the stack (Kith's own; the denominator "
        "includes threads waiting in the pool, and SQLAlchemy's database calls, run in "
        "greenlets, show as stacks of their own)"
    )
    for share, frame in shares(raw)[: args.top]:
        print(f"{share:5.1f}%  {frame}")
    print(f"raw samples: {raw}")


if __name__ == "__main__":
    main()
