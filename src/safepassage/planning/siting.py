"""Where to put k service points (meal stations, first-aid points): MCLP and p-median.

Both models are solved exactly as mixed-integer programmes with HiGHS (Huangfu &
Hall 2018, *Parallelizing the dual revised simplex method*, Math. Prog. Comp.
10:119-142; highspy), the model passed at once from sparse CSR arrays
(``Highs.passModel``), never row by row.

Costs are whatever the caller measures: walking metres or seconds on the road
network, or great-circle metres (haversine) without a network.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SitingProblem", "SitingResult", "solve_mclp", "solve_pmedian", "haversine_m"]

F64 = NDArray[np.float64]
EARTH_RADIUS_M = 6_371_008.8


class _NetworkLike(Protocol):
    n_nodes: int
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    length_m: NDArray[np.float64]

    def nearest_nodes(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.int64]: ...


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> F64:
    """Great-circle distance in metres (haversine, mean Earth radius), vectorised.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like of float
        WGS84 coordinates in degrees; they broadcast against each other (pass
        ``lon1[:, None]`` and ``lon2[None, :]`` for a matrix).

    Returns
    -------
    ndarray of float64
        Distances in metres, of the broadcast shape.
    """
    p1, p2 = np.radians(np.asarray(lat1, dtype=np.float64)), np.radians(np.asarray(lat2, dtype=np.float64))
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def _network_cost(network: _NetworkLike, d_nodes: NDArray[np.int64], c_nodes: NDArray[np.int64]) -> F64:
    """Shortest walking metres from each demand node to each candidate node."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    n = int(network.n_nodes)
    tail = np.asarray(network.tail, dtype=np.int64)
    head = np.asarray(network.head, dtype=np.int64)
    length = np.asarray(network.length_m, dtype=np.float64)
    # keep the shortest of parallel arcs (a sparse matrix would add them up)
    order = np.lexsort((length, head, tail))
    t, h, w = tail[order], head[order], length[order]
    first = np.ones(t.shape[0], dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    t, h, w = t[first], h[first], np.maximum(w[first], 1e-9)
    # reversed graph: distances from every node to the candidates
    graph = sp.csr_matrix((w, (h, t)), shape=(n, n))
    dist = dijkstra(graph, directed=True, indices=c_nodes)  # (n_cand, n)
    return np.ascontiguousarray(dist[:, d_nodes].T)


@dataclass
class SitingProblem:
    """Demand points, candidate sites and the cost between them.

    Build with :meth:`from_cost_matrix` or :meth:`from_points`.

    Parameters
    ----------
    cost : ndarray, shape (n_demand, n_candidates)
        Cost (metres or seconds) from each demand point to each candidate;
        ``inf`` where a candidate cannot serve the point.
    weights : ndarray, shape (n_demand,)
        Demand (people) at each point, non-negative.
    candidate_ids : list
        Identifier reported for each candidate.
    capacity : ndarray or None, shape (n_candidates,)
        Demand each site can serve, for the capacitated variants.
    meta : dict
        Notes carried to the result (for example what the cost measures).

    Raises
    ------
    ValueError
        Shapes that do not match, no demand or no candidate, NaN or negative
        costs, weights or capacities, duplicate candidate ids.
    """

    cost: F64
    weights: F64
    candidate_ids: list[Any]
    capacity: F64 | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        cost = np.asarray(self.cost, dtype=np.float64)
        if cost.ndim != 2:
            raise ValueError("cost must be a matrix (demand x candidates)")
        n_d, n_c = cost.shape
        if n_d == 0:
            raise ValueError("no demand points")
        if n_c == 0:
            raise ValueError("no candidate sites")
        if np.isnan(cost).any():
            raise ValueError("cost contains NaN")
        if (cost < 0).any():
            raise ValueError("cost must not be negative")
        w = np.asarray(self.weights, dtype=np.float64).ravel()
        if w.shape != (n_d,):
            raise ValueError(f"weights must have one entry per demand point ({n_d})")
        if not np.isfinite(w).all():
            raise ValueError("weights must be finite")
        if (w < 0).any():
            raise ValueError("weights must not be negative")
        ids = list(self.candidate_ids)
        if len(ids) != n_c:
            raise ValueError(f"candidate_ids must have one entry per candidate ({n_c})")
        if len(set(map(str, ids))) != n_c:
            raise ValueError("candidate ids must be unique")
        cap = None
        if self.capacity is not None:
            cap = np.asarray(self.capacity, dtype=np.float64).ravel()
            if cap.shape != (n_c,):
                raise ValueError("capacity must have one entry per candidate")
            if np.isnan(cap).any() or (cap < 0).any():
                raise ValueError("capacity must not be negative")
        self.cost, self.weights, self.candidate_ids, self.capacity = cost, w, ids, cap

    @property
    def n_demand(self) -> int:
        """Number of demand points.

        Returns
        -------
        int
        """
        return int(self.cost.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites.

        Returns
        -------
        int
        """
        return int(self.cost.shape[1])

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None = None,
        candidate_ids: Sequence[Any] | None = None,
        capacity: ArrayLike | None = None,
    ) -> SitingProblem:
        """Problem from a ready cost matrix.

        Parameters
        ----------
        cost : array_like of float, shape (n_demand, n_candidates)
            Cost from each demand point to each candidate (``inf``: cannot serve).
        weights : array_like of float, optional
            Demand at each point (default 1 each).
        candidate_ids : sequence, optional
            Identifier of each candidate (default its column index).
        capacity : array_like of float, optional
            Demand each site can serve.

        Returns
        -------
        SitingProblem

        Raises
        ------
        ValueError
            See :class:`SitingProblem`.
        """
        c = np.asarray(cost, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError("cost must be a matrix (demand x candidates)")
        w = np.ones(c.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        ids = list(range(c.shape[1])) if candidate_ids is None else list(candidate_ids)
        cap = None if capacity is None else np.asarray(capacity, dtype=np.float64)
        return cls(c, w, ids, cap)

    @classmethod
    def from_points(
        cls,
        demand_lon: ArrayLike,
        demand_lat: ArrayLike,
        candidate_lon: ArrayLike,
        candidate_lat: ArrayLike,
        weights: ArrayLike | None = None,
        candidate_ids: Sequence[Any] | None = None,
        *,
        network: _NetworkLike | None = None,
        capacity: ArrayLike | None = None,
    ) -> SitingProblem:
        """Problem from located points.

        Without ``network`` the cost is the great-circle distance in metres
        (haversine). With a network, demand points and candidates snap to their
        nearest nodes and the cost is the shortest walking distance in metres
        (``length_m``) from the demand node to the candidate node (``inf`` if
        none).

        Parameters
        ----------
        demand_lon, demand_lat : array_like of float
            WGS84 coordinates of the demand points.
        candidate_lon, candidate_lat : array_like of float
            WGS84 coordinates of the candidate sites.
        weights : array_like of float, optional
            Demand at each point (default 1 each).
        candidate_ids : sequence, optional
            Identifier of each candidate (default its index).
        network : Network, optional
            Road network for walking distances.
        capacity : array_like of float, optional
            Demand each site can serve.

        Returns
        -------
        SitingProblem
            ``meta["cost"]`` says what the cost measures.

        Raises
        ------
        ValueError
            Lengths that differ, non-finite coordinates, no points or
            candidates, an empty network.
        """
        dlon = np.asarray(demand_lon, dtype=np.float64).ravel()
        dlat = np.asarray(demand_lat, dtype=np.float64).ravel()
        clon = np.asarray(candidate_lon, dtype=np.float64).ravel()
        clat = np.asarray(candidate_lat, dtype=np.float64).ravel()
        if dlon.shape != dlat.shape or clon.shape != clat.shape:
            raise ValueError("longitudes and latitudes must have the same length")
        for arr in (dlon, dlat, clon, clat):
            if not np.isfinite(arr).all():
                raise ValueError("coordinates must be finite")
        if dlon.size == 0:
            raise ValueError("no demand points")
        if clon.size == 0:
            raise ValueError("no candidate sites")
        if network is None:
            cost = haversine_m(dlon[:, None], dlat[:, None], clon[None, :], clat[None, :])
            meta: dict[str, Any] = {"cost": "great-circle metres"}
        else:
            if int(network.n_nodes) <= 0:
                raise ValueError("the network has no nodes")
            d_nodes = np.asarray(network.nearest_nodes(dlon, dlat), dtype=np.int64)
            c_nodes = np.asarray(network.nearest_nodes(clon, clat), dtype=np.int64)
            cost = _network_cost(network, d_nodes, c_nodes)
            meta = {"cost": "walking metres on the network"}
        w = np.ones(dlon.size) if weights is None else np.asarray(weights, dtype=np.float64)
        ids = list(range(clon.size)) if candidate_ids is None else list(candidate_ids)
        cap = None if capacity is None else np.asarray(capacity, dtype=np.float64)
        return cls(cost, w, ids, cap, meta)


@dataclass
class SitingResult:
    """Chosen sites and how well they serve the demand.

    Built by :func:`solve_mclp` and :func:`solve_pmedian`.

    Parameters
    ----------
    sites : list
        Identifiers of the chosen candidates.
    site_index : ndarray of int
        Their column indices in the cost matrix.
    covered : float
        Demand weight within the radius of a chosen site (for p-median without a
        radius: all demand).
    objective : float
        Covered weight (MCLP) or total weighted cost (p-median).
    optimal : bool
        HiGHS proved optimality (relative MIP gap 0 requested).
    bound : float
        Best bound proven by HiGHS (equal to ``objective`` when optimal).
    model : str
        ``mclp``, ``mclp-capacitated``, ``pmedian`` or ``pmedian-capacitated``.
    assignment : ndarray of int
        Candidate index serving each demand point (nearest chosen site; -1 if
        none within reach / radius for MCLP).
    timings : dict
        Seconds spent per stage.
    status : str
        HiGHS model status.
    """

    sites: list[Any]
    site_index: NDArray[np.int64]
    covered: float
    objective: float
    optimal: bool
    bound: float
    model: str
    assignment: NDArray[np.int64]
    timings: dict[str, float]
    status: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the ``siting`` command's output).

        Returns
        -------
        dict
            ``sites``, ``covered``, ``objective``, ``optimal``, ``bound``,
            ``model``, ``status`` and ``timings_s``.
        """
        return {
            "sites": self.sites,
            "covered": self.covered,
            "objective": self.objective,
            "optimal": self.optimal,
            "bound": self.bound,
            "model": self.model,
            "status": self.status,
            "timings_s": {k: round(v, 6) for k, v in self.timings.items()},
        }


def _new_highs() -> Any:
    """A silent HiGHS instance (its banner goes to the C stdout, kept off --json output)."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("log_to_console", False)
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):  # pragma: no cover - non-POSIX
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


def _solve_mip(
    *,
    cost: F64,
    lower: F64,
    upper: F64,
    row_lower: F64,
    row_upper: F64,
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    values: F64,
    integer_cols: int,
    maximize: bool,
    time_limit_s: float | None,
) -> tuple[F64, float, float, bool, str]:
    """Pass a row-wise sparse MIP to HiGHS in one call and solve it."""
    import highspy

    h = _new_highs()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    n_col, n_row = cost.shape[0], row_lower.shape[0]
    integrality = np.zeros(n_col, dtype=np.int32)
    integrality[:integer_cols] = 1
    status = h.passModel(
        int(n_col),
        int(n_row),
        int(values.shape[0]),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize),
        0.0,
        cost,
        lower,
        upper,
        row_lower,
        row_upper,
        indptr.astype(np.int32),
        indices.astype(np.int32),
        values,
        integrality,
    )
    if status == highspy.HighsStatus.kError:  # pragma: no cover - malformed model is a bug
        raise RuntimeError("HiGHS refused the model")
    h.run()
    model_status = h.getModelStatus()
    text = h.modelStatusToString(model_status)
    if model_status == highspy.HighsModelStatus.kInfeasible:
        raise ValueError("the siting model has no feasible solution (check capacities and reach)")
    info = h.getInfo()
    sol = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if sol.shape[0] != n_col:
        raise RuntimeError(f"HiGHS found no solution ({text})")
    optimal = model_status == highspy.HighsModelStatus.kOptimal
    obj = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else obj
    return sol, obj, (obj if optimal else bound), optimal, text


def _check_k(problem: SitingProblem, k: int | float) -> int:
    if isinstance(k, float) and not k.is_integer():
        raise ValueError(f"k must be a whole number, got {k}")
    kk = int(k)
    if kk < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if kk > problem.n_candidates:
        raise ValueError(f"k ({kk}) exceeds the number of candidates ({problem.n_candidates})")
    return kk


def _assign(problem: SitingProblem, chosen: NDArray[np.int64], radius: float | None) -> NDArray[np.int64]:
    sub = problem.cost[:, chosen]
    best = sub.argmin(axis=1)
    out = chosen[best].astype(np.int64)
    reach = sub[np.arange(sub.shape[0]), best]
    lim = np.inf if radius is None else radius
    out[~(reach <= lim)] = -1
    return out


def solve_mclp(
    problem: SitingProblem,
    k: int,
    radius: float,
    *,
    capacitated: bool = False,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Maximal covering location problem, solved exactly with HiGHS.

    Church & ReVelle (1974), *The maximal covering location problem*, Papers of
    the Regional Science Association 32:101-118::

        maximise   sum_i w_i y_i
        subject to y_i <= sum_{j : c_ij <= radius} x_j    for every demand point i
                   sum_j x_j = k
                   x_j in {0, 1},  0 <= y_i <= 1

    (``y`` need not be declared integer: for integer ``x`` an optimal ``y`` is
    0/1.) Demand points with the same set of covering candidates are merged
    first (their weights add), which leaves the optimum unchanged and shrinks
    the model.

    Capacitated variant (``capacitated=True``, needs ``problem.capacity``):
    ``z_ij`` is the share of point ``i`` served by site ``j`` within the radius::

        maximise   sum_ij w_i z_ij
        subject to sum_j z_ij <= 1,  z_ij <= x_j,  sum_i w_i z_ij <= Q_j x_j,
                   sum_j x_j = k,  x binary, 0 <= z <= 1

    (a point may be split between sites: the variant of Pirkul & Schilling 1991,
    Management Science 37(2):233-248, with divisible demand).

    Parameters
    ----------
    problem : SitingProblem
        Demand, candidates and costs.
    k : int
        Number of sites to open, ``1 <= k <= n_candidates``.
    radius : float
        Coverage radius in the cost's unit.
    capacitated : bool
        Respect ``problem.capacity``.
    time_limit_s : float, optional
        HiGHS time limit; ``optimal`` tells whether optimality was proven.

    Returns
    -------
    SitingResult
        ``objective == covered`` = demand weight covered.

    Raises
    ------
    ValueError
        ``k`` or ``radius`` out of range, no capacities for the capacitated
        variant, or an infeasible model.
    """
    t0 = time.perf_counter()
    kk = _check_k(problem, k)
    r = float(radius)
    if not np.isfinite(r) or r < 0:
        raise ValueError(f"radius must be a non-negative number, got {radius}")
    cover = problem.cost <= r
    w = problem.weights
    n_c = problem.n_candidates
    if capacitated:
        if problem.capacity is None:
            raise ValueError("the capacitated variant needs a capacity per candidate")
        return _mclp_capacitated(problem, kk, r, cover, time_limit_s, t0)
    useful = cover.any(axis=1) & (w > 0)
    sub = cover[useful]
    sub_w = w[useful]
    # merge points with identical coverage sets
    if sub.shape[0]:
        packed = np.packbits(sub, axis=1)
        _, inverse = np.unique(packed, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        n_rows = int(inverse.max()) + 1
        agg_w: NDArray[Any] = np.bincount(inverse, weights=sub_w, minlength=n_rows)
        first = np.full(n_rows, -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(inverse.shape[0])[::-1]
        sets = sub[first]
    else:
        n_rows = 0
        agg_w = np.zeros(0)
        sets = np.zeros((0, n_c), dtype=bool)
    t_build = time.perf_counter()
    rows, cols = np.nonzero(sets)
    counts = np.bincount(rows, minlength=n_rows) + 1  # + the y column
    indptr = np.zeros(n_rows + 2, dtype=np.int64)
    np.cumsum(counts, out=indptr[1 : n_rows + 1])
    nnz_cover = int(indptr[n_rows])
    indices = np.empty(nnz_cover + n_c, dtype=np.int64)
    values = np.empty(nnz_cover + n_c, dtype=np.float64)
    # within each row: the y column first, then the x columns
    starts = indptr[:n_rows]
    indices[starts] = n_c + np.arange(n_rows)
    values[starts] = 1.0
    # entry q of row r sits after the r + 1 y entries of rows 0..r
    pos = np.arange(rows.shape[0]) + rows + 1
    indices[pos] = cols
    values[pos] = -1.0
    indices[nnz_cover:] = np.arange(n_c)
    values[nnz_cover:] = 1.0
    indptr[n_rows + 1] = nnz_cover + n_c
    n_col = n_c + n_rows
    obj = np.concatenate([np.zeros(n_c), agg_w])
    row_lower = np.concatenate([np.full(n_rows, -np.inf), [float(kk)]])
    row_upper = np.concatenate([np.zeros(n_rows), [float(kk)]])
    timings = {"build": time.perf_counter() - t_build}
    t_solve = time.perf_counter()
    sol, objective, bound, optimal, text = _solve_mip(
        cost=obj,
        lower=np.zeros(n_col),
        upper=np.ones(n_col),
        row_lower=row_lower,
        row_upper=row_upper,
        indptr=indptr,
        indices=indices,
        values=values,
        integer_cols=n_c,
        maximize=True,
        time_limit_s=time_limit_s,
    )
    timings["solve"] = time.perf_counter() - t_solve
    chosen = np.flatnonzero(sol[:n_c] > 0.5).astype(np.int64)
    assignment = _assign(problem, chosen, r)
    covered = float(w[assignment >= 0].sum())
    timings["total"] = time.perf_counter() - t0
    return SitingResult(
        sites=[problem.candidate_ids[j] for j in chosen],
        site_index=chosen,
        covered=covered,
        objective=covered,
        optimal=optimal,
        bound=max(bound, covered),
        model="mclp",
        assignment=assignment,
        timings=timings,
        status=text,
    )


def _pairs_model(
    problem: SitingProblem,
    allowed: NDArray[np.bool_],
    kk: int,
    *,
    assign_eq: bool,
    capacitated: bool,
) -> tuple[NDArray[np.int64], NDArray[np.int64], dict[str, Any]]:
    """Row-wise CSR of an assignment model over the allowed (point, site) pairs.

    Columns: x_j (n_c), then z_p for each allowed pair p (row-major).
    Rows: per point sum_j z_ij (= 1 or <= 1); per pair z_ij - x_j <= 0;
    optional per site sum_i w_i z_ij - Q_j x_j <= 0; sum_j x_j = k.
    """
    n_d, n_c = allowed.shape
    pi, pj = np.nonzero(allowed)
    n_p = pi.shape[0]
    zcol = n_c + np.arange(n_p)
    w = problem.weights
    blocks_ptr: list[NDArray[np.int64]] = []
    idx_parts: list[NDArray[np.int64]] = []
    val_parts: list[F64] = []
    # point rows
    cnt = np.bincount(pi, minlength=n_d)
    blocks_ptr.append(cnt)
    idx_parts.append(zcol)
    val_parts.append(np.ones(n_p))
    # pair rows: z_p - x_j <= 0
    blocks_ptr.append(np.full(n_p, 2, dtype=np.int64))
    idx_parts.append(np.column_stack([zcol, pj]).ravel())
    val_parts.append(np.tile([1.0, -1.0], n_p))
    n_rows = n_d + n_p
    rl = [np.ones(n_d) if assign_eq else np.full(n_d, -np.inf), np.full(n_p, -np.inf)]
    ru = [np.ones(n_d), np.zeros(n_p)]
    if capacitated:
        assert problem.capacity is not None
        total = float(w.sum())
        cap = np.minimum(problem.capacity, total)
        order = np.argsort(pj, kind="stable")
        cnt_j = np.bincount(pj, minlength=n_c)
        blocks_ptr.append(cnt_j + 1)
        starts = np.concatenate([[0], np.cumsum(cnt_j + 1)[:-1]])
        idx = np.empty(int((cnt_j + 1).sum()), dtype=np.int64)
        val = np.empty(idx.shape[0])
        idx[starts] = np.arange(n_c)
        val[starts] = -cap
        mask = np.ones(idx.shape[0], dtype=bool)
        mask[starts] = False
        idx[mask] = zcol[order]
        val[mask] = w[pi[order]]
        idx_parts.append(idx)
        val_parts.append(val)
        rl.append(np.full(n_c, -np.inf))
        ru.append(np.zeros(n_c))
        n_rows += n_c
    blocks_ptr.append(np.array([n_c], dtype=np.int64))
    idx_parts.append(np.arange(n_c))
    val_parts.append(np.ones(n_c))
    rl.append(np.array([float(kk)]))
    ru.append(np.array([float(kk)]))
    n_rows += 1
    counts = np.concatenate(blocks_ptr)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return (
        indptr,
        np.concatenate(idx_parts),
        {
            "values": np.concatenate(val_parts),
            "row_lower": np.concatenate(rl),
            "row_upper": np.concatenate(ru),
            "pairs": (pi, pj),
            "n_col": n_c + n_p,
        },
    )


def _solve_pairs_model(
    obj: F64,
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    extra: dict[str, Any],
    n_c: int,
    *,
    maximize: bool,
    time_limit_s: float | None,
) -> tuple[F64, float, float, bool, str]:
    """Solve a model from :func:`_pairs_model`: the first ``n_c`` columns (sites) are binary."""
    n_col = int(extra["n_col"])
    return _solve_mip(
        cost=obj,
        lower=np.zeros(n_col),
        upper=np.ones(n_col),
        row_lower=extra["row_lower"],
        row_upper=extra["row_upper"],
        indptr=indptr,
        indices=indices,
        values=extra["values"],
        integer_cols=n_c,
        maximize=maximize,
        time_limit_s=time_limit_s,
    )


def _mclp_capacitated(
    problem: SitingProblem,
    kk: int,
    r: float,
    cover: NDArray[np.bool_],
    time_limit_s: float | None,
    t0: float,
) -> SitingResult:
    n_c = problem.n_candidates
    indptr, indices, extra = _pairs_model(problem, cover, kk, assign_eq=False, capacitated=True)
    pi, pj = extra["pairs"]
    obj = np.concatenate([np.zeros(n_c), problem.weights[pi]])
    timings = {"build": time.perf_counter() - t0}
    t_solve = time.perf_counter()
    sol, objective, bound, optimal, text = _solve_pairs_model(
        obj, indptr, indices, extra, n_c, maximize=True, time_limit_s=time_limit_s
    )
    timings["solve"] = time.perf_counter() - t_solve
    chosen = np.flatnonzero(sol[:n_c] > 0.5).astype(np.int64)
    z = sol[n_c:]
    share = np.zeros(problem.n_demand)
    np.add.at(share, pi, z)
    assignment = _assign(problem, chosen, r)
    timings["total"] = time.perf_counter() - t0
    return SitingResult(
        sites=[problem.candidate_ids[j] for j in chosen],
        site_index=chosen,
        covered=float(objective),
        objective=float(objective),
        optimal=optimal,
        bound=bound,
        model="mclp-capacitated",
        assignment=assignment,
        timings=timings,
        status=text,
    )


def solve_pmedian(
    problem: SitingProblem,
    k: int,
    *,
    radius: float | None = None,
    capacitated: bool = False,
    time_limit_s: float | None = None,
) -> SitingResult:
    """p-median problem, solved exactly with HiGHS.

    Hakimi (1964), *Optimum locations of switching centers and the absolute
    centers and medians of a graph*, Oper. Res. 12:450-459; formulation of
    ReVelle & Swain (1970), *Central facilities location*, Geographical
    Analysis 2:30-42::

        minimise   sum_ij w_i c_ij z_ij
        subject to sum_j z_ij = 1          for every demand point i
                   z_ij <= x_j             for every pair with c_ij < inf
                   sum_j x_j = k
                   x_j in {0, 1},  0 <= z_ij <= 1

    With ``capacitated=True``: also ``sum_i w_i z_ij <= Q_j x_j`` (demand may be
    split between sites). Demand points of zero weight are left out of the
    model (they cost nothing).

    Parameters
    ----------
    problem : SitingProblem
        Demand, candidates and costs.
    k : int
        Number of sites to open, ``1 <= k <= n_candidates``.
    radius : float, optional
        Only affects the reported ``covered`` (demand within it of its site).
    capacitated : bool
        Respect ``problem.capacity``.
    time_limit_s : float, optional
        HiGHS time limit; ``optimal`` tells whether optimality was proven.

    Returns
    -------
    SitingResult
        ``objective`` = total weighted cost of the assignment.

    Raises
    ------
    ValueError
        ``k`` or ``radius`` out of range, a demand point no candidate can
        reach, no capacities for the capacitated variant, or an infeasible
        model.
    """
    t0 = time.perf_counter()
    kk = _check_k(problem, k)
    if radius is not None and (not np.isfinite(radius) or radius < 0):
        raise ValueError(f"radius must be a non-negative number, got {radius}")
    if capacitated and problem.capacity is None:
        raise ValueError("the capacitated variant needs a capacity per candidate")
    finite = np.isfinite(problem.cost)
    if not finite.any(axis=1).all():
        raise ValueError("a demand point cannot reach any candidate")
    keep = problem.weights > 0
    if not keep.any():
        keep[:] = True  # every choice costs 0; keep the model non-empty
    sub_problem = SitingProblem(
        problem.cost[keep], problem.weights[keep], problem.candidate_ids, problem.capacity
    )
    allowed = np.isfinite(sub_problem.cost)
    n_c = problem.n_candidates
    indptr, indices, extra = _pairs_model(sub_problem, allowed, kk, assign_eq=True, capacitated=capacitated)
    pi, pj = extra["pairs"]
    obj = np.concatenate([np.zeros(n_c), sub_problem.weights[pi] * sub_problem.cost[pi, pj]])
    timings = {"build": time.perf_counter() - t0}
    t_solve = time.perf_counter()
    sol, objective, bound, optimal, text = _solve_pairs_model(
        obj, indptr, indices, extra, n_c, maximize=False, time_limit_s=time_limit_s
    )
    timings["solve"] = time.perf_counter() - t_solve
    chosen = np.flatnonzero(sol[:n_c] > 0.5).astype(np.int64)
    assignment = _assign(problem, chosen, radius)
    covered = float(problem.weights[assignment >= 0].sum())
    timings["total"] = time.perf_counter() - t0
    return SitingResult(
        sites=[problem.candidate_ids[j] for j in chosen],
        site_index=chosen,
        covered=covered,
        objective=float(objective),
        optimal=optimal,
        bound=bound,
        model="pmedian-capacitated" if capacitated else "pmedian",
        assignment=assignment,
        timings=timings,
        status=text,
    )
