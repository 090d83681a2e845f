"""Siting: MCLP and p-median solved exactly with HiGHS, checked against enumeration."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safepassage.planning import SitingProblem, SitingResult, solve_mclp, solve_pmedian
from safepassage.planning.siting import haversine_m


def brute_mclp(cost: np.ndarray, w: np.ndarray, k: int, radius: float) -> float:
    best = 0.0
    for s in itertools.combinations(range(cost.shape[1]), k):
        best = max(best, float(w[(cost[:, list(s)] <= radius).any(axis=1)].sum()))
    return best


def brute_pmedian(cost: np.ndarray, w: np.ndarray, k: int) -> float:
    return min(
        float((w * cost[:, list(s)].min(axis=1)).sum())
        for s in itertools.combinations(range(cost.shape[1]), k)
    )


# ----------------------------------------------------------------------------- hand-checked
def line_problem() -> SitingProblem:
    # demand on a line at 0, 1, 2, 10, 11 (weights 1, 1, 1, 5, 5); candidates at 1 and 10 and 20
    d = np.array([0.0, 1.0, 2.0, 10.0, 11.0])
    c = np.array([1.0, 10.0, 20.0])
    return SitingProblem.from_cost_matrix(np.abs(d[:, None] - c[None, :]), [1, 1, 1, 5, 5], ["a", "b", "c"])


def test_mclp_picks_heaviest_cover() -> None:
    p = line_problem()
    r = solve_mclp(p, 1, 1.0)
    assert isinstance(r, SitingResult)
    assert r.sites == ["b"] and r.covered == 10.0 == r.objective and r.optimal
    r2 = solve_mclp(p, 2, 1.0)
    assert sorted(r2.sites) == ["a", "b"] and r2.covered == 13.0
    assert r2.assignment.tolist() == [0, 0, 0, 1, 1]


def test_mclp_radius_zero_and_uncovered_demand() -> None:
    p = line_problem()
    r = solve_mclp(p, 1, 0.0)
    assert r.covered == 5.0  # candidate b sits on a point of weight 5
    assert (r.assignment == -1).sum() == 4


def test_pmedian_hand_checked() -> None:
    p = line_problem()
    r = solve_pmedian(p, 1)
    # b: 10+9+8 + 0 + 5 = 32 ; a: 1+0+1+45+50 = 97
    assert r.sites == ["b"] and r.objective == pytest.approx(32.0) and r.optimal
    r2 = solve_pmedian(p, 2, radius=1.0)
    assert sorted(r2.sites) == ["a", "b"] and r2.objective == pytest.approx(2.0 + 5.0)
    assert r2.covered == 13.0


def test_capacitated_variants_respect_capacity() -> None:
    p = SitingProblem.from_cost_matrix(
        np.array([[0.0, 5.0], [0.0, 5.0], [5.0, 0.0]]), [10, 10, 1], ["x", "y"], capacity=[12, 100]
    )
    r = solve_mclp(p, 1, 1.0, capacitated=True)
    assert r.sites == ["x"] and r.covered == pytest.approx(12.0)
    r = solve_pmedian(p, 2, capacitated=True)
    # 12 of the 20 at x cost 0, the other 8 go to y at 5 each; the 1 at y costs 0
    assert sorted(r.sites) == ["x", "y"] and r.objective == pytest.approx(40.0)
    r = solve_pmedian(p, 2)
    assert r.objective == pytest.approx(0.0)


def test_from_points_great_circle() -> None:
    # 0.001 degree of latitude is about 111 m
    p = SitingProblem.from_points([37.1, 37.1], [36.2, 36.201], [37.1], [36.2], [1, 2], ["s"])
    assert p.cost[:, 0] == pytest.approx([0.0, 111.2], abs=0.2)
    assert haversine_m(0.0, 0.0, 180.0, 0.0) == pytest.approx(np.pi * 6_371_008.8)
    assert solve_mclp(p, 1, 100.0).covered == 1.0
    assert solve_mclp(p, 1, 120.0).covered == 3.0


class _Net:
    """Three nodes on a street 0-1-2 (100 m each) plus an isolated node 3."""

    n_nodes = 4
    tail = np.array([0, 1, 1, 2], dtype=np.int32)
    head = np.array([1, 0, 2, 1], dtype=np.int32)
    length_m = np.array([100.0, 100.0, 100.0, 100.0])
    lon = np.array([0.0, 0.001, 0.002, 0.01])

    def nearest_nodes(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return np.abs(np.asarray(lon)[:, None] - self.lon[None, :]).argmin(axis=1)


def test_from_points_on_network_walks() -> None:
    p = SitingProblem.from_points([0.0, 0.002, 0.01], [0, 0, 0], [0.001], [0], [1, 1, 1], network=_Net())
    assert p.cost[:, 0].tolist() == [100.0, 100.0, np.inf]
    r = solve_mclp(p, 1, 100.0)
    assert r.covered == 2.0
    with pytest.raises(ValueError, match="cannot reach"):
        solve_pmedian(p, 1)


# ----------------------------------------------------------------------------- unhappy paths
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: solve_mclp(p, 4, 1.0), "exceeds the number of candidates"),
        (lambda p: solve_mclp(p, 0, 1.0), "at least 1"),
        (lambda p: solve_mclp(p, 1.5, 1.0), "whole number"),
        (lambda p: solve_mclp(p, 1, -1.0), "non-negative"),
        (lambda p: solve_mclp(p, 1, float("nan")), "non-negative"),
        (lambda p: solve_pmedian(p, 9), "exceeds the number of candidates"),
        (lambda p: solve_mclp(p, 1, 1.0, capacitated=True), "needs a capacity"),
        (lambda p: solve_pmedian(p, 1, capacitated=True), "needs a capacity"),
    ],
)
def test_bad_solver_arguments(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(line_problem())


@pytest.mark.parametrize(
    ("cost", "weights", "ids", "capacity", "message"),
    [
        (np.zeros((0, 2)), [], None, None, "no demand"),
        (np.zeros((2, 0)), [1, 1], None, None, "no candidate"),
        (np.array([[1.0, -1.0]]), [1], None, None, "negative"),
        (np.array([[1.0, np.nan]]), [1], None, None, "NaN"),
        (np.array([[1.0, 1.0]]), [-1], None, None, "negative"),
        (np.array([[1.0, 1.0]]), [1, 2], None, None, "one entry per demand"),
        (np.array([[1.0, 1.0]]), [1], ["a", "a"], None, "unique"),
        (np.array([[1.0, 1.0]]), [1], ["a"], None, "one entry per candidate"),
        (np.array([[1.0, 1.0]]), [1], None, [1, -1], "must not be negative"),
        (np.array([1.0, 1.0]), [1], None, None, "matrix"),
    ],
)
def test_bad_problem_is_refused(cost: Any, weights: Any, ids: Any, capacity: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SitingProblem.from_cost_matrix(cost, weights, ids, capacity)


def test_infeasible_capacity_is_reported() -> None:
    p = SitingProblem.from_cost_matrix(np.zeros((2, 2)), [5, 5], capacity=[1, 1])
    with pytest.raises(ValueError, match="no feasible solution"):
        solve_pmedian(p, 1, capacitated=True)


# ----------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_d=st.integers(1, 12),
    n_c=st.integers(1, 6),
    data=st.data(),
)
def test_exact_equals_enumeration(seed: int, n_d: int, n_c: int, data: st.DataObject) -> None:
    rng = np.random.default_rng(seed)
    k = data.draw(st.integers(1, n_c))
    cost = rng.integers(0, 20, (n_d, n_c)).astype(float)
    w = rng.integers(0, 10, n_d).astype(float)
    radius = float(rng.integers(0, 15))
    p = SitingProblem.from_cost_matrix(cost, w)
    r = solve_mclp(p, k, radius)
    assert r.optimal and len(r.sites) == k
    assert r.covered == pytest.approx(brute_mclp(cost, w, k, radius))
    # the reported cover is what the chosen sites really cover
    assert r.covered == pytest.approx(float(w[(cost[:, r.site_index] <= radius).any(axis=1)].sum()))
    m = solve_pmedian(p, k)
    assert m.optimal and len(m.sites) == k
    assert m.objective == pytest.approx(brute_pmedian(cost, w, k), abs=1e-6)
    assert m.objective == pytest.approx(float((w * cost[:, m.site_index].min(axis=1)).sum()), abs=1e-6)
