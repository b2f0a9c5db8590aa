"""The crisis assignment: optimal under capacities, never worse than greedy, and exactly
the optimum on small cases checked by brute force."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from services.assignment import Edge, greedy, solve, total


def test_it_beats_greedy_where_greedy_is_short_sighted() -> None:
    # Greedy gives the one helper who can do both to the slightly better-scored request,
    # leaving the other without; the optimum uses each helper where only they fit.
    edges = [Edge("a", "h1", 0.9), Edge("b", "h1", 0.8), Edge("a", "h2", 0.7)]
    places = {"a": 1, "b": 1}
    spare = {"h1": 1, "h2": 1}

    best, quick = solve(edges, places, spare), greedy(edges, places, spare)

    assert total(best) > total(quick)
    assert sorted((e.request, e.helper) for e in best) == [("a", "h2"), ("b", "h1")]


def test_a_request_needing_two_gets_two_and_spare_capacity_is_kept() -> None:
    edges = [Edge("a", "h1", 0.5), Edge("a", "h2", 0.4), Edge("a", "h3", 0.3)]

    plan = solve(edges, {"a": 2}, {"h1": 1, "h2": 1, "h3": 1})

    assert sorted(e.helper for e in plan) == ["h1", "h2"]


def test_nothing_to_assign() -> None:
    assert solve([], {"a": 1}, {"h": 1}) == []
    assert solve([Edge("a", "h", 0.5)], {"a": 1}, {"h": 0}) == []


def _brute_force(edges: list[Edge], places: dict[str, int], spare: dict[str, int]) -> float:
    best = 0.0
    for size in range(len(edges) + 1):
        for chosen in itertools.combinations(edges, size):
            per_request = {r: sum(e.request == r for e in chosen) for r in places}
            per_helper = {h: sum(e.helper == h for e in chosen) for h in spare}
            if all(per_request[r] <= places[r] for r in places) and all(
                per_helper[h] <= spare[h] for h in spare
            ):
                best = max(best, total(chosen))
    return best


graphs = st.integers(min_value=1, max_value=3).flatmap(
    lambda n_requests: st.integers(min_value=1, max_value=3).flatmap(
        lambda n_helpers: st.tuples(
            st.lists(
                st.tuples(
                    st.integers(0, n_requests - 1),
                    st.integers(0, n_helpers - 1),
                    st.floats(min_value=0.01, max_value=1),
                ),
                max_size=7,
                unique_by=lambda t: (t[0], t[1]),
            ),
            st.lists(st.integers(0, 2), min_size=n_requests, max_size=n_requests),
            st.lists(st.integers(0, 2), min_size=n_helpers, max_size=n_helpers),
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(graphs)
def test_the_plan_is_the_optimum_and_respects_every_capacity(
    graph: tuple[list[tuple[int, int, float]], list[int], list[int]],
) -> None:
    raw, request_places, helper_spare = graph
    edges = [Edge(f"r{r}", f"h{h}", score) for r, h, score in raw]
    places: dict[str, int] = {f"r{i}": n for i, n in enumerate(request_places)}
    spare: dict[str, int] = {f"h{i}": n for i, n in enumerate(helper_spare)}

    plan = solve(edges, places, spare)

    for request, limit in places.items():
        assert sum(e.request == request for e in plan) <= limit
    for helper, limit in spare.items():
        assert sum(e.helper == helper for e in plan) <= limit
    assert abs(total(plan) - _brute_force(edges, places, spare)) < 1e-5
    assert total(plan) >= total(greedy(edges, places, spare)) - 1e-9
