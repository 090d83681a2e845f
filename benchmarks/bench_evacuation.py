"""Benchmark: evacuation capacity of a pause (exact maximum flow over time, CCRP).

Run::

    .venv/bin/python benchmarks/bench_evacuation.py           # full instance
    .venv/bin/python benchmarks/bench_evacuation.py --quick   # small smoke run

Instance (seeded): a side x side grid of junctions (two-way streets, 1-3 min per
arc, 5-60 persons/min per direction), people spread over 10% of the junctions,
a handful of exits on the border (100-300 persons/min), a window of minutes.

Peers measured in the same run, on the same instance:
* scipy.sparse.csgraph.maximum_flow (Dinic) on the plain time-expanded network;
* HiGHS as an LP on the plain time-expanded network, on a smaller instance
  (it takes far longer), with a time cap.

Our methods run ``--runs`` times (default 5) and the median is reported (the
machine may be shared); the peers run once.

Every figure is checked: the exact value must equal scipy's, each plan is
replayed against the capacities, and the heuristic never beats the optimum.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from safepassage.planning.evacuation import (  # noqa: E402
    EvacuationProblem,
    EvacuationResult,
    evacuate_ccrp,
    evacuate_exact,
)

GOAL_EXACT_S = 2.0
GOAL_CCRP_S = 0.5
GOAL_CCRP_GAP = 0.05


def grid_instance(side: int, window: int, people: int, n_exits: int, seed: int = 1) -> EvacuationProblem:
    rng = np.random.default_rng(seed)
    n = side * side
    idx = np.arange(n).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    travel = rng.integers(1, 4, a.shape[0])
    cap = rng.integers(5, 61, a.shape[0]).astype(float)
    origins = rng.choice(n, max(n // 10, 1), replace=False)
    share = rng.random(origins.shape[0])
    supply = np.zeros(n)
    np.add.at(supply, origins, np.floor(share / share.sum() * people))
    border = np.unique(np.concatenate([idx[0], idx[-1], idx[:, 0], idx[:, -1]]))
    exit_cap = np.zeros(n)
    exit_cap[rng.choice(border, n_exits, replace=False)] = rng.integers(100, 301, n_exits)
    return EvacuationProblem(
        n,
        np.concatenate([a, b]),
        np.concatenate([b, a]),
        np.concatenate([travel, travel]),
        np.concatenate([cap, cap]),
        supply,
        exit_cap,
        window,
    )


def plain_time_expanded(p: EvacuationProblem) -> tuple[sp.csr_matrix, int, int]:
    """The unpruned time-expanded network as a scipy CSR matrix (int32 capacities)."""
    n, window = p.n_nodes, p.window
    slots = window + 1
    big = min(int(p.supply.sum()) + 1, 2**30)
    t = np.arange(slots)
    rows, cols, caps = [], [], []
    v = np.repeat(np.arange(n), window)
    tt = np.tile(np.arange(window), n)
    rows.append(v * slots + tt)
    cols.append(v * slots + tt + 1)
    caps.append(np.full(v.shape[0], big))
    for e_tau in np.unique(p.travel_min):
        arcs = np.flatnonzero((p.travel_min == e_tau) & (p.capacity > 0))
        times = t[: max(slots - int(e_tau), 0)]
        rows.append((p.tail[arcs][:, None] * slots + times[None, :]).ravel())
        cols.append((p.head[arcs][:, None] * slots + times[None, :] + int(e_tau)).ravel())
        caps.append(np.repeat(np.minimum(p.capacity[arcs], big), times.shape[0]))
    src, snk = n * slots, n * slots + 1
    origins = np.flatnonzero(p.supply > 0)
    rows.append(np.full(origins.shape[0], src))
    cols.append(origins * slots)
    caps.append(np.minimum(p.supply[origins], big))
    exits = np.flatnonzero(p.exit_capacity > 0)
    rows.append((exits[:, None] * slots + t[None, :]).ravel())
    cols.append(np.full(exits.shape[0] * slots, snk))
    caps.append(np.repeat(np.minimum(p.exit_capacity[exits], big), slots))
    size = n * slots + 2
    mat = sp.csr_matrix(
        (np.concatenate(caps).astype(np.int64), (np.concatenate(rows), np.concatenate(cols))),
        shape=(size, size),
    )
    mat.data = np.minimum(mat.data, 2**30).astype(np.int32)
    return mat, src, snk


def highs_lp(p: EvacuationProblem, time_limit: float) -> tuple[float, float, str]:
    """Maximum flow as an LP (HiGHS) on the plain time-expanded network."""
    import highspy

    from safepassage.planning.siting import _new_highs

    mat, src, snk = plain_time_expanded(p)
    coo = mat.tocoo()
    n_arc, size = coo.data.shape[0], mat.shape[0]
    keep = np.ones(size, dtype=bool)
    keep[[src, snk]] = False
    row_of = np.full(size, -1)
    row_of[keep] = np.arange(int(keep.sum()))
    # column j: +1 in the row of its head, -1 in the row of its tail (conservation)
    r = np.concatenate([row_of[coo.col], row_of[coo.row]])
    c = np.concatenate([np.arange(n_arc), np.arange(n_arc)])
    val = np.concatenate([np.ones(n_arc), -np.ones(n_arc)])
    ok = r >= 0
    a = sp.csc_matrix((val[ok], (r[ok], c[ok])), shape=(int(keep.sum()), n_arc))
    cost = (coo.col == snk).astype(np.float64)
    h = _new_highs()
    h.setOptionValue("time_limit", float(time_limit))
    t0 = time.perf_counter()
    h.passModel(
        n_arc,
        a.shape[0],
        a.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        cost,
        np.zeros(n_arc),
        coo.data.astype(np.float64),
        np.zeros(a.shape[0]),
        np.zeros(a.shape[0]),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data,
        np.zeros(n_arc, dtype=np.int32),
    )
    h.run()
    elapsed = time.perf_counter() - t0
    return float(h.getInfo().objective_function_value), elapsed, h.modelStatusToString(h.getModelStatus())


def replay(p: EvacuationProblem, r: EvacuationResult) -> int:
    """Independent check of a plan: capacities per minute, supplies, window."""
    arc_load: dict[tuple[int, int], int] = defaultdict(int)
    exit_load: dict[tuple[int, int], int] = defaultdict(int)
    left: dict[int, int] = defaultdict(int)
    for g in range(r.n_groups):
        lo, hi = int(r.group_ptr[g]), int(r.group_ptr[g + 1])
        count = int(r.group_count[g])
        node, minute = int(r.group_origin[g]), 0
        for arc, enter in zip(r.path_arc[lo:hi].tolist(), r.path_enter[lo:hi].tolist(), strict=True):
            assert p.tail[arc] == node and enter >= minute
            arc_load[(arc, enter)] += count
            node, minute = int(p.head[arc]), enter + int(p.travel_min[arc])
        assert node == r.group_exit[g] and minute <= r.group_arrive[g] <= p.window
        exit_load[(node, int(r.group_arrive[g]))] += count
        left[int(r.group_origin[g])] += count
    assert all(load <= p.capacity[a] for (a, _), load in arc_load.items())
    assert all(load <= p.exit_capacity[x] for (x, _), load in exit_load.items())
    assert all(c <= p.supply[o] for o, c in left.items())
    return int(r.group_count.sum())


def timed(fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Run ``fn`` ``repeat`` times; return its last result, the median and the best time."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times), min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--runs", type=int, default=5, help="runs of each of our methods (median reported)")
    args = ap.parse_args()
    if args.quick:
        side, window, people, n_exits, lp_side, lp_window = 30, 60, 10_000, 4, 12, 30
    else:
        side, window, people, n_exits, lp_side, lp_window = 100, 120, 120_000, 6, 30, 60
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    # compile / load the numba kernels outside the timings
    warm = grid_instance(6, 10, 100, 2)
    evacuate_exact(warm)
    evacuate_ccrp(warm)

    p = grid_instance(side, window, people, n_exits)
    print(
        f"instance: {side}x{side} grid ({p.n_nodes} junctions, {p.n_arcs} arcs), window {window} min, "
        f"{p.total_people} people at {int((p.supply > 0).sum())} origins, {n_exits} exits"
    )
    runs = args.runs
    exact, t_exact, b_exact = timed(lambda: evacuate_exact(p), runs)
    within, t_within, b_within = timed(lambda: evacuate_exact(p, rel_gap=0.01), runs)
    heur, t_heur, b_heur = timed(lambda: evacuate_ccrp(p), runs)
    assert replay(p, exact) == exact.evacuated and replay(p, heur) == heur.evacuated
    assert replay(p, within) == within.evacuated
    assert exact.evacuated == exact.upper_bound, "exact run not proven optimal"
    assert heur.evacuated <= within.evacuated <= exact.evacuated <= within.upper_bound
    assert within.upper_bound - within.evacuated <= 0.01 * within.upper_bound
    gap = (exact.evacuated - heur.evacuated) / exact.evacuated if exact.evacuated else 0.0
    mat, src, snk = plain_time_expanded(p)
    t0 = time.perf_counter()
    ref = maximum_flow(mat, src, snk, method="dinic").flow_value
    t_scipy = time.perf_counter() - t0
    assert ref == exact.evacuated, (ref, exact.evacuated)

    print(
        f"exact (ours, implicit time-expanded Dinic with relabelling + CCRP warm start): {exact.evacuated} "
        f"out of {p.total_people}, upper bound {exact.upper_bound} (optimal), median {t_exact:.2f} s of {runs} "
        f"(best {b_exact:.2f} s) [{exact.stats['phases']:.0f} phases, "
        f"{exact.stats['time_expanded_nodes']:.0f} node-minutes, "
        f"{exact.stats['time_expanded_arcs']:.0f} arcs after pruning, not materialised]"
    )
    print(f"  stages (last run): {', '.join(f'{k} {v:.3f}' for k, v in exact.timings.items())}")
    print(f"  goal <= {GOAL_EXACT_S:.1f} s: {'met' if t_exact <= GOAL_EXACT_S else 'NOT met'}")
    print(
        f"  with rel_gap=0.01 (CLI default): {within.evacuated}, bound {within.upper_bound}, "
        f"method {within.method!r}, median {t_within:.2f} s (best {b_within:.2f} s)"
    )
    print(
        f"  peer scipy maximum_flow (Dinic) on the plain time-expanded network: {t_scipy:.2f} s "
        f"(same value {ref}); ours is {t_scipy / t_exact:.1f}x faster"
    )
    print(
        f"heuristic (ours, CCRP): {heur.evacuated}, gap to optimum {100 * gap:.2f}%, "
        f"median {t_heur:.2f} s of {runs} (best {b_heur:.2f} s)"
    )
    print(
        f"  goal <= {GOAL_CCRP_S:.1f} s and gap <= {100 * GOAL_CCRP_GAP:.0f}%: "
        f"{'met' if t_heur <= GOAL_CCRP_S and gap <= GOAL_CCRP_GAP else 'NOT met'} "
        f"(time {'met' if t_heur <= GOAL_CCRP_S else 'not met'}, gap {'met' if gap <= GOAL_CCRP_GAP else 'not met'})"
    )
    print(f"  ratio to scipy exact: {t_scipy / t_heur:.1f}x faster")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")

    q = grid_instance(lp_side, lp_window, people * lp_side**2 // side**2, max(n_exits // 2, 2), seed=2)
    ours_q, t_ours_q, _ = timed(lambda: evacuate_exact(q), 3)
    lp_value, t_lp, status = highs_lp(q, time_limit=60.0)
    lp_text = f"value {lp_value:.0f}" if status == "Optimal" else f"no optimum ({status})"
    print(
        f"smaller instance {lp_side}x{lp_side}, window {lp_window}: ours {ours_q.evacuated} (optimal) in "
        f"{t_ours_q:.3f} s; HiGHS LP on the plain time-expanded network: {lp_text} after {t_lp:.2f} s; "
        f"ours is {'at least ' if status != 'Optimal' else ''}{t_lp / t_ours_q:.0f}x faster"
    )
    if status == "Optimal":
        assert abs(lp_value - ours_q.evacuated) < 1e-6 * max(1.0, lp_value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
