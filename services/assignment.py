"""Assigning many helpers to many requests at once, for a crisis: the plan with the highest
total score under capacities, as an exact min-cost flow (OR-Tools), and the greedy plan to
compare it with.

The network: source → each request (capacity: places still open) → each of its candidate
helpers (capacity 1, cost minus the score) → sink (capacity: the helper's spare places this
week). A zero-cost arc from source to sink carries whatever is left unassigned, so a request
may go without rather than be given a poor match at the expense of a better one elsewhere.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

SCALE = 1_000_000  # scores become integer costs at this resolution


@dataclass(frozen=True)
class Edge:
    request: Any  # any hashable id: request and helper ids in Kith, names in tests
    helper: Any
    score: float


class NoSolution(RuntimeError):
    pass


def total(plan: Sequence[Edge]) -> float:
    return sum(edge.score for edge in plan)


def solve(edges: Sequence[Edge], places: Mapping[Any, int], spare: Mapping[Any, int]) -> list[Edge]:
    """The assignment with the greatest total score."""
    usable = [e for e in edges if places.get(e.request, 0) > 0 and spare.get(e.helper, 0) > 0]
    if not usable:
        return []
    requests = sorted({e.request for e in usable}, key=str)
    helpers = sorted({e.helper for e in usable}, key=str)
    source, sink = 0, 1
    request_node = {r: 2 + i for i, r in enumerate(requests)}
    helper_node = {h: 2 + len(requests) + i for i, h in enumerate(helpers)}
    demand = sum(places[r] for r in requests)

    tails = [source] * len(requests) + [request_node[e.request] for e in usable]
    heads = [request_node[r] for r in requests] + [helper_node[e.helper] for e in usable]
    capacities = [places[r] for r in requests] + [1] * len(usable)
    costs = [0] * len(requests) + [-round(e.score * SCALE) for e in usable]
    tails += [helper_node[h] for h in helpers] + [source]
    heads += [sink] * len(helpers) + [sink]
    capacities += [spare[h] for h in helpers] + [demand]
    costs += [0] * len(helpers) + [0]

    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.array(capacities, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([demand, -demand]))
    if flow.solve() != flow.OPTIMAL:
        raise NoSolution("The assignment could not be solved.")
    first_edge = len(requests)
    carried = flow.flows(arcs[first_edge : first_edge + len(usable)])
    return [edge for edge, used in zip(usable, carried, strict=True) if used > 0]


def greedy(
    edges: Sequence[Edge], places: Mapping[Any, int], spare: Mapping[Any, int]
) -> list[Edge]:
    """Best edge first, while places last: what a busy person would do by hand."""
    left_places, left_spare = dict(places), dict(spare)
    chosen = []
    for edge in sorted(edges, key=lambda e: (-e.score, str(e.request), str(e.helper))):
        if left_places.get(edge.request, 0) > 0 and left_spare.get(edge.helper, 0) > 0:
            chosen.append(edge)
            left_places[edge.request] -= 1
            left_spare[edge.helper] -= 1
    return chosen
