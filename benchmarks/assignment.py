"""The crisis assignment (services.assignment) on a synthetic city: 5k open requests, 20k
helpers, each request with its ~50 nearest helpers as candidates.

Scores are built the way the matching formula builds them: proximity by distance bucket,
trust for a minority of pairs who know each other, availability and fairness noise. Helpers
may take 1-3 more, most requests need one helper and some two or three. It times the exact
min-cost flow against the greedy plan (best pair first) in the same run, and reports both
totals and their ratio.
"""

import argparse
import math
import random
import statistics
import time
import uuid

from services.assignment import Edge, greedy, solve, total
from services.matching import MatchingWeights

CITY_KM = 12.0


def city(
    requests: int, helpers: int, per_request: int, seed: int, busy: float
) -> tuple[list[Edge], dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    rng = random.Random(seed)
    weights = MatchingWeights()
    scale = weights.proximity + weights.trust + weights.availability + weights.record
    helper_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(helpers)]
    helper_at = [(rng.uniform(0, CITY_KM), rng.uniform(0, CITY_KM)) for _ in range(helpers)]
    grid: dict[tuple[int, int], list[int]] = {}
    for index, (x, y) in enumerate(helper_at):
        grid.setdefault((int(x), int(y)), []).append(index)
    edges: list[Edge] = []
    places: dict[uuid.UUID, int] = {}
    for _ in range(requests):
        request = uuid.UUID(int=rng.getrandbits(128))
        places[request] = rng.choices([1, 2, 3], weights=[85, 10, 5])[0]
        x, y = rng.uniform(0, CITY_KM), rng.uniform(0, CITY_KM)
        near = [
            index
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for index in grid.get((int(x) + dx, int(y) + dy), [])
        ]
        near.sort(key=lambda i: (helper_at[i][0] - x) ** 2 + (helper_at[i][1] - y) ** 2)
        for index in near[:per_request]:
            km = math.dist((x, y), helper_at[index])
            bucket = 0 if km < 1 else round(km)
            trust = rng.random() if rng.random() < 0.15 else 0.0
            base = (
                weights.proximity / (1 + bucket)
                + weights.trust * trust
                + weights.availability * rng.choice([0.0, 0.5, 1.0])
                + weights.record * rng.choice([0.0, 0.2, 0.6])
            ) / scale
            fairness = weights.fairness * rng.choice([0, 0, 0, 0.2, 0.6])
            edges.append(Edge(request, helper_ids[index], base * (1 - fairness)))
    spare = {
        helper: 0 if rng.random() < busy else rng.choice([1, 1, 2, 3]) for helper in helper_ids
    }
    return edges, places, spare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--helpers", type=int, default=20_000)
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--busy",
        type=float,
        default=0.0,
        help="share of helpers with nothing to spare (a crisis: try 0.85)",
    )
    args = parser.parse_args()

    timings: dict[str, list[float]] = {"greedy": [], "optimal": []}
    totals: dict[str, list[float]] = {"greedy": [], "optimal": []}
    served: list[float] = []
    for round_ in range(args.rounds):
        edges, places, spare = city(
            args.requests, args.helpers, args.candidates, seed=round_, busy=args.busy
        )
        started = time.perf_counter()
        quick = greedy(edges, places, spare)
        timings["greedy"].append(time.perf_counter() - started)
        started = time.perf_counter()
        best = solve(edges, places, spare)
        timings["optimal"].append(time.perf_counter() - started)
        totals["greedy"].append(total(quick))
        totals["optimal"].append(total(best))
        served.append(len(best) / sum(places.values()))
    print(
        f"{args.requests} requests x {args.helpers} helpers, {args.candidates} candidates "
        f"each ({len(edges)} edges); {args.busy:.0%} of helpers busy; {args.rounds} cities"
    )
    print(f"{'':>10} {'median time':>12} {'median total':>13}")
    for name in ("greedy", "optimal"):
        print(
            f"{name:>10} {statistics.median(timings[name]):>11.3f}s "
            f"{statistics.median(totals[name]):>13.1f}"
        )
    ratios = [o / g for o, g in zip(totals["optimal"], totals["greedy"], strict=True)]
    slower = statistics.median(timings["optimal"]) / statistics.median(timings["greedy"])
    print(
        f"optimal/greedy total: median {statistics.median(ratios):.4f} "
        f"(min {min(ratios):.4f}, max {max(ratios):.4f}); "
        f"time ratio {slower:.1f}x; "
        f"places filled by the optimum: median {statistics.median(served):.1%}"
    )


if __name__ == "__main__":
    main()
