"""Evacuation capacity of a humanitarian pause: how many people can be out by its end.

Model (minutes are whole numbers ``0 .. window``):

* ``supply[v]`` people wait at node ``v`` at minute 0 (origins snapped to nodes);
* a group leaving node ``u`` at minute ``t`` along arc ``e = (u, w)`` arrives at
  ``w`` at minute ``t + travel_min[e]`` (``travel_min >= 1``);
* at most ``capacity_ppm[e]`` people enter arc ``e`` per minute (per direction;
  fractional capacities are floored, since people are indivisible);
* people may wait at any node without limit;
* an exit at node ``x`` absorbs at most ``exit_capacity[x]`` people per minute,
  at minutes ``0 .. window``; ``evacuated`` counts the people absorbed.

The maximum number evacuated is a maximum flow over time with supplies: the
maximum flow in the time-expanded network (Ford & Fulkerson 1958, *Constructing
maximal dynamic flows from static flows*, Oper. Res. 6:419-433) whose nodes are
pairs ``(v, t)``, with arcs ``(u, t) -> (w, t + travel)`` of capacity
``capacity_ppm``, waiting arcs ``(v, t) -> (v, t + 1)`` of unlimited capacity,
source arcs ``S -> (o, 0)`` of capacity ``supply[o]`` and exit arcs ``(x, t) -> Z``
of capacity ``exit_capacity[x]``.

:func:`evacuate_exact` solves it exactly with Dinic's algorithm (Dinic 1970)
compiled with numba on the time-expanded network pruned to the pairs ``(v, t)``
with ``earliest_arrival(v) <= t <= window - time_to_exit(v)`` (no other pair lies
on a source-exit path), with one extra node per origin from which people may
leave at any minute (so that leaving late does not lengthen augmenting paths),
searched from the exits backwards and warm-started from the CCRP plan. The
network is implicit (node-minute ``(v, t)`` is ``v * (window + 1) + t``, its arcs
are generated from the street arrays, the flow is kept per arc-minute), and
each phase goes on past the blocking flow with distance-label relabelling (the
shortest augmenting path algorithm of Ahuja & Orlin 1991, on the nodes the
phase's search labelled) until a work budget is spent, so that fewer searches
are needed. The minimum cut found when no augmenting path is left is
recomputed from the arcs and reported as ``upper_bound``: ``evacuated ==
upper_bound`` is the proof of optimality. With ``rel_gap > 0`` the solver may
stop earlier, once the plan is proven within that relative gap of a proven
upper bound.

:func:`evacuate_ccrp` is the Capacity Constrained Route Planner heuristic (Lu,
George & Shekhar 2005, *Capacity Constrained Routing Algorithms for Evacuation
Planning: A Summary of Results*, SSTD 2005, LNCS 3633:291-307): a feasible plan,
hence a lower bound, whose gap to the exact optimum is reported when both run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from safepassage.planning import _flow_kernels as _k

__all__ = [
    "EvacuationProblem",
    "EvacuationResult",
    "evacuate_exact",
    "evacuate_ccrp",
    "evacuate",
]

I64 = NDArray[np.int64]

# relabelling work allowed per phase after the blocking flow, per node labelled by
# the search (see _flow_kernels.te_blocking_flow)
_RELABEL_BUDGET = 4


class _NetworkLike(Protocol):
    n_nodes: int
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    capacity_ppm: NDArray[np.float64]

    def travel_seconds(self, mode: str = "walk") -> NDArray[np.float64]: ...

    def nearest_nodes(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.int64]: ...


def _as_nonneg_int(values: ArrayLike, name: str, *, allow_inf: bool, inf_value: int) -> I64:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if (arr < 0).any():
        raise ValueError(f"{name} must not be negative (found {float(arr.min())})")
    infinite = np.isinf(arr)
    if infinite.any() and not allow_inf:
        raise ValueError(f"{name} must be finite")
    out = np.floor(np.where(infinite, 0.0, arr)).astype(np.int64)
    out[infinite] = inf_value
    return out


class EvacuationProblem:
    """An evacuation instance on a directed network with integer minutes.

    Parameters
    ----------
    n_nodes : int
        Number of nodes; nodes are ``0 .. n_nodes - 1``.
    tail, head : array_like of int, shape (n_arcs,)
        Arc end points (directed; give both directions for a two-way street).
    travel_min : array_like of int, shape (n_arcs,)
        Minutes to traverse each arc, rounded up; values below 1 are raised to
        1; ``inf`` closes the arc.
    capacity_ppm : array_like of float, shape (n_arcs,)
        People entering the arc per minute (``inf`` for unlimited); floored.
    supply : array_like of int, shape (n_nodes,)
        People waiting at each node at minute 0 (non-negative whole numbers).
    exit_capacity : array_like of float, shape (n_nodes,)
        People an exit at the node absorbs per minute (0 where no exit; ``inf``
        for unlimited); floored.
    window : int
        Length of the pause in minutes (``> 0``, a whole number); absorption
        counts at minutes ``0 .. window``.
    origin_nodes : sequence of int, optional
        Nodes reported in :meth:`latest_safe_departure` (default: the nodes
        with people).

    Raises
    ------
    ValueError
        Sizes that do not match, unknown nodes, negative, NaN or fractional
        people, NaN travel times or a window that is not a positive whole number.

    Notes
    -----
    Unlimited capacities become the total supply, which no minute can exceed,
    so every quantity is an exact 64-bit integer.
    """

    def __init__(
        self,
        n_nodes: int,
        tail: ArrayLike,
        head: ArrayLike,
        travel_min: ArrayLike,
        capacity_ppm: ArrayLike,
        supply: ArrayLike,
        exit_capacity: ArrayLike,
        window: int | float,
        *,
        origin_nodes: Sequence[int] | None = None,
    ) -> None:
        n = int(n_nodes)
        if n <= 0:
            raise ValueError("the network has no nodes")
        if isinstance(window, float) and not window.is_integer():
            raise ValueError(f"window must be a whole number of minutes, got {window}")
        w = int(window)
        if w <= 0:
            raise ValueError(f"window must be positive, got {window}")
        t = np.asarray(tail, dtype=np.int64).ravel()
        h = np.asarray(head, dtype=np.int64).ravel()
        if t.shape != h.shape:
            raise ValueError("tail and head must have the same length")
        m = t.shape[0]
        if m and (t.min() < 0 or h.min() < 0 or t.max() >= n or h.max() >= n):
            raise ValueError("an arc refers to an unknown node")
        sup = np.asarray(supply, dtype=np.float64).ravel()
        if sup.shape != (n,):
            raise ValueError(f"supply must have one entry per node ({n})")
        if np.isnan(sup).any() or np.isinf(sup).any():
            raise ValueError("people must be finite numbers")
        if (sup < 0).any():
            raise ValueError(f"people must not be negative (found {float(sup.min())})")
        if (sup != np.floor(sup)).any():
            raise ValueError("people must be whole numbers")
        self.supply: I64 = sup.astype(np.int64)
        total = int(self.supply.sum())
        big = max(total, 1)
        tr = np.asarray(travel_min, dtype=np.float64).ravel()
        if tr.shape != (m,):
            raise ValueError("travel_min must have one entry per arc")
        if np.isnan(tr).any() or (tr == -np.inf).any():
            raise ValueError("travel_min must be a number (inf closes an arc)")
        closed = np.isinf(tr)  # e.g. a road that cannot be walked
        tr = np.where(closed, 1.0, tr)
        self.n_nodes = n
        self.tail: I64 = t
        self.head: I64 = h
        self.travel_min: I64 = np.maximum(np.ceil(tr), 1).astype(np.int64)
        cap = _as_nonneg_int(capacity_ppm, "capacity_ppm", allow_inf=True, inf_value=big)
        if cap.shape != (m,):
            raise ValueError("capacity_ppm must have one entry per arc")
        self.capacity: I64 = np.minimum(cap, big)
        self.capacity[closed] = 0
        ex = _as_nonneg_int(exit_capacity, "exit capacity", allow_inf=True, inf_value=big)
        if ex.shape != (n,):
            raise ValueError(f"exit_capacity must have one entry per node ({n})")
        self.exit_capacity: I64 = np.minimum(ex, big)
        self.window = w
        self.origin_nodes: list[int] = (
            [int(v) for v in origin_nodes]
            if origin_nodes is not None
            else [int(v) for v in np.flatnonzero(self.supply)]
        )
        self._cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_network(
        cls,
        network: _NetworkLike,
        origins: Iterable[tuple[float, float, float]],
        exits: Iterable[tuple[float, float, float]],
        window: int,
        *,
        travel_min: ArrayLike | None = None,
        mode: str = "walk",
    ) -> EvacuationProblem:
        """Build a problem from a road network and located origins and exits.

        Parameters
        ----------
        network : Network
            Road network (``safepassage.planning.network.Network``).
        origins : iterable of (lon, lat, people)
            Snapped to the nearest node; origins sharing a node add up.
        exits : iterable of (lon, lat, capacity_ppm)
            Snapped to the nearest node; exits sharing a node add up.
        window : int
            Pause length in minutes.
        travel_min : array_like, optional
            Minutes per arc; default ``ceil(travel_seconds(mode) / 60)``, at least 1.
        mode : {"walk", "drive"}
            Travel mode of the default travel times.

        Returns
        -------
        EvacuationProblem
            Arc capacities from ``network.capacity_ppm``; the origin nodes are
            those the origins snapped to.

        Raises
        ------
        ValueError
            No origins or exits, an empty network, negative people or exit
            capacity.
        """
        org = np.asarray(list(origins), dtype=np.float64).reshape(-1, 3)
        exs = np.asarray(list(exits), dtype=np.float64).reshape(-1, 3)
        if org.shape[0] == 0:
            raise ValueError("no origins given")
        if exs.shape[0] == 0:
            raise ValueError("no exits given")
        n = int(network.n_nodes)
        if n <= 0:
            raise ValueError("the network has no nodes")
        if (org[:, 2] < 0).any():
            raise ValueError("people must not be negative")
        if (exs[:, 2] < 0).any():
            raise ValueError("exit capacity must not be negative")
        o_nodes = np.asarray(network.nearest_nodes(org[:, 0], org[:, 1]), dtype=np.int64)
        x_nodes = np.asarray(network.nearest_nodes(exs[:, 0], exs[:, 1]), dtype=np.int64)
        supply = np.zeros(n, dtype=np.float64)
        np.add.at(supply, o_nodes, org[:, 2])
        exit_cap = np.zeros(n, dtype=np.float64)
        np.add.at(exit_cap, x_nodes, exs[:, 2])
        if travel_min is None:
            travel = np.maximum(np.ceil(np.asarray(network.travel_seconds(mode), dtype=np.float64) / 60.0), 1)
        else:
            travel = np.asarray(travel_min, dtype=np.float64)
        cap = np.asarray(network.capacity_ppm, dtype=np.float64)
        return cls(
            n,
            network.tail,
            network.head,
            travel,
            cap,
            supply,
            exit_cap,
            window,
            origin_nodes=[int(v) for v in o_nodes],
        )

    # ------------------------------------------------------------------ derived data
    @property
    def n_arcs(self) -> int:
        """Number of arcs.

        Returns
        -------
        int
        """
        return int(self.tail.shape[0])

    @property
    def total_people(self) -> int:
        """People waiting at minute 0, over all nodes.

        Returns
        -------
        int
        """
        return int(self.supply.sum())

    def _csr(self, reverse: bool) -> tuple[I64, I64]:
        key = "rev" if reverse else "fwd"
        if key not in self._cache:
            # arcs nobody can enter (capacity 0, closed) are left out of the searches
            usable = np.flatnonzero(self.capacity > 0)
            by = (self.head if reverse else self.tail)[usable]
            order = usable[np.argsort(by, kind="stable")].astype(np.int64)
            indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(by, minlength=self.n_nodes), out=indptr[1:])
            self._cache[key] = (indptr, order)
        return self._cache[key]

    def earliest_arrival(self) -> I64:
        """Free-flow earliest minute each node can be reached from an origin with people.

        Returns
        -------
        ndarray of int64, shape (n_nodes,)
            Minutes (Dial's buckets on ``travel_min``); a value above ``window``
            where a node cannot be reached within the window. Cached.
        """
        if "ea" not in self._cache:
            indptr, order = self._csr(False)
            src = np.flatnonzero(self.supply > 0).astype(np.int64)
            self._cache["ea"] = _k.dial_times(
                self.n_nodes, indptr, order, self.head, self.travel_min, src, self.window
            )
        return self._cache["ea"]

    def time_to_exit(self) -> I64:
        """Free-flow minutes from each node to the nearest exit.

        Returns
        -------
        ndarray of int64, shape (n_nodes,)
            Minutes; a value above ``window`` where no exit can be reached
            within the window. Cached.
        """
        if "de" not in self._cache:
            indptr, order = self._csr(True)
            ex = np.flatnonzero(self.exit_capacity > 0).astype(np.int64)
            self._cache["de"] = _k.dial_times(
                self.n_nodes, indptr, order, self.tail, self.travel_min, ex, self.window
            )
        return self._cache["de"]

    def latest_safe_departure(self) -> dict[int, int | None]:
        """Latest minute people at each origin node can leave and still get out.

        ``window - time_to_exit(origin)``: leaving later, even on an empty road,
        reaches no exit by the end of the window (a proven limit; whether leaving
        at that minute succeeds also depends on the other groups, see the plan).

        Returns
        -------
        dict of int to int or None
            Per origin node, the minute; ``None`` where no exit is reachable
            within the window.
        """
        de = self.time_to_exit()
        out: dict[int, int | None] = {}
        for v in sorted(set(self.origin_nodes)):
            out[v] = int(self.window - de[v]) if de[v] <= self.window else None
        return out

    def simple_upper_bound(self) -> int:
        """A cheap proven upper bound: the smaller of two cuts of the time-expanded network.

        People who can reach an exit in time at all, and the total absorption of
        the exits over the minutes at which anyone can reach them.

        Returns
        -------
        int
            No plan evacuates more people.
        """
        de = self.time_to_exit()
        ea = self.earliest_arrival()
        reachable = int(self.supply[de <= self.window].sum())
        slots = np.where(ea <= self.window, self.window - ea + 1, 0)
        absorb = int((self.exit_capacity * slots).sum())
        return min(reachable, absorb)


@dataclass
class EvacuationResult:
    """A plan: groups of people with their route and minutes, and its bounds.

    Built by :func:`evacuate_exact`, :func:`evacuate_ccrp` and :func:`evacuate`.

    Parameters
    ----------
    evacuated : int
        People absorbed by an exit by the end of the window under this plan.
    upper_bound : int
        Proven upper bound on what any plan can achieve; equal to
        ``evacuated`` when the plan is optimal.
    method : str
        ``"exact"`` (time-expanded maximum flow, proven optimal or run to a
        time limit), ``"exact (within gap)"`` (stopped once proven within the
        requested ``rel_gap``) or ``"ccrp"`` (heuristic).
    group_origin, group_count, group_depart, group_arrive, group_exit : ndarray
        One entry per group: origin node, people, minute it leaves the origin,
        minute it is absorbed, exit node.
    group_ptr : ndarray
        Group ``g`` uses arcs ``path_arc[group_ptr[g]:group_ptr[g+1]]`` entered at
        minutes ``path_enter[...]`` (waiting at a node is the difference).
    path_arc, path_enter : ndarray
        The arcs of all groups, concatenated, and the minute each is entered.
    head : ndarray
        Head node of every arc of the problem (to list a group's nodes).
    latest_safe_departure : dict
        Per origin node (see :meth:`EvacuationProblem.latest_safe_departure`).
    timings : dict
        Seconds spent per stage.
    gap : float or None
        ``(exact - heuristic) / exact`` when both methods ran (relative shortfall
        of the heuristic plan), else ``None``.
    heuristic_evacuated : int or None
        People the CCRP plan evacuates, when both methods ran.
    stats : dict
        Work counters (time-expanded network size, Dinic phases, CCRP searches).
    """

    evacuated: int
    upper_bound: int
    method: str
    group_origin: I64
    group_count: I64
    group_depart: I64
    group_arrive: I64
    group_exit: I64
    group_ptr: I64
    path_arc: I64
    path_enter: I64
    head: I64 = field(repr=False)
    latest_safe_departure: dict[int, int | None]
    timings: dict[str, float]
    gap: float | None = None
    heuristic_evacuated: int | None = None
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        """Whether the plan is proven optimal.

        Returns
        -------
        bool
            ``evacuated == upper_bound``.
        """
        return self.evacuated == self.upper_bound

    @property
    def n_groups(self) -> int:
        """Number of groups in the plan.

        Returns
        -------
        int
        """
        return int(self.group_count.shape[0])

    @property
    def schedule(self) -> list[dict[str, Any]]:
        """The plan as a list of groups.

        Returns
        -------
        list of dict
            Per group: ``origin``, ``count``, ``depart_min``, ``arrive_min``
            (minute absorbed), ``exit``, ``path`` (nodes from origin to exit),
            ``arcs`` (arc indices) and ``enter_min`` (minute the group enters
            each arc).
        """
        out: list[dict[str, Any]] = []
        arcs = self.path_arc.tolist()
        enters = self.path_enter.tolist()
        heads = self.head
        for g in range(self.n_groups):
            lo, hi = int(self.group_ptr[g]), int(self.group_ptr[g + 1])
            garcs = arcs[lo:hi]
            path = [int(self.group_origin[g])] + [int(v) for v in heads[garcs].tolist()]
            out.append(
                {
                    "origin": int(self.group_origin[g]),
                    "count": int(self.group_count[g]),
                    "depart_min": int(self.group_depart[g]),
                    "arrive_min": int(self.group_arrive[g]),
                    "exit": int(self.group_exit[g]),
                    "path": path,
                    "arcs": garcs,
                    "enter_min": enters[lo:hi],
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI contract keys plus extras).

        Returns
        -------
        dict
            ``evacuated``, ``upper_bound``, ``optimal``, ``method``, ``gap``,
            ``heuristic_evacuated``, ``latest_safe_departure``, ``timings_s``,
            ``stats`` and ``schedule``.
        """
        return {
            "evacuated": self.evacuated,
            "upper_bound": self.upper_bound,
            "optimal": self.optimal,
            "method": self.method,
            "gap": self.gap,
            "heuristic_evacuated": self.heuristic_evacuated,
            "latest_safe_departure": {str(k): v for k, v in self.latest_safe_departure.items()},
            "timings_s": {k: round(v, 6) for k, v in self.timings.items()},
            "stats": self.stats,
            "schedule": self.schedule,
        }


def _result(
    problem: EvacuationProblem,
    parts: tuple[I64, ...],
    *,
    method: str,
    evacuated: int,
    upper_bound: int,
    timings: dict[str, float],
) -> EvacuationResult:
    g_origin, g_count, g_depart, g_arrive, g_exit, g_ptr, p_arc, p_enter = parts
    return EvacuationResult(
        evacuated=evacuated,
        upper_bound=upper_bound,
        method=method,
        group_origin=g_origin,
        group_count=g_count,
        group_depart=g_depart,
        group_arrive=g_arrive,
        group_exit=g_exit,
        group_ptr=g_ptr,
        path_arc=p_arc,
        path_enter=p_enter,
        head=problem.head,
        latest_safe_departure=problem.latest_safe_departure(),
        timings=timings,
    )


def _implicit_network(problem: EvacuationProblem, ea: I64, de: I64) -> tuple[_k.TEStatic, tuple[Any, ...]]:
    """Static description and zero flow of the implicit pruned time-expanded network."""
    n, horizon = problem.n_nodes, problem.window
    width = horizon + 1
    finite = (ea <= horizon) & (de <= horizon)
    lo = np.where(finite, ea, 1).astype(np.int64)
    hi = np.where(finite, horizon - de, 0).astype(np.int64)
    fptr, farc = problem._csr(False)
    rptr, rarc = problem._csr(True)
    star_node = np.flatnonzero((problem.supply > 0) & (hi >= lo)).astype(np.int64)
    star_of = np.full(n, -1, dtype=np.int64)
    star_of[star_node] = np.arange(star_node.shape[0])
    exits = np.flatnonzero((problem.exit_capacity > 0) & (hi >= lo)).astype(np.int64)
    static = (
        n,
        width,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        problem.tail,
        problem.head,
        problem.travel_min,
        problem.capacity,
        problem.exit_capacity,
        exits,
        star_of,
        star_node,
        problem.supply,
    )
    # every flow is at most the total supply: 32 bits suffice for any realistic instance
    dtype = np.int32 if problem.total_people < 2**31 - 1 else np.int64
    state = (
        np.zeros(problem.n_arcs * width, dtype=dtype),  # fl: arc e entered at minute t
        np.zeros(n * width, dtype=dtype),  # hold: waiting at v from t to t + 1
        np.zeros(n * width, dtype=dtype),  # rel: leaving origin v at t
        np.zeros(n * width, dtype=dtype),  # xfl: absorbed at exit v at t
        np.zeros(star_node.shape[0], dtype=np.int64),  # sflow: people leaving each origin
    )
    return static, state


def evacuate_exact(
    problem: EvacuationProblem,
    *,
    rel_gap: float = 0.0,
    time_limit_s: float | None = None,
    warm_start: EvacuationResult | bool = True,
) -> EvacuationResult:
    """Maximum number of people out by the end of the window, with a plan and a proof.

    Formulation: maximum ``S``-``Z`` flow in the time-expanded network described
    in the module docstring (Ford & Fulkerson 1958), pruned to node-minutes with
    ``earliest_arrival(v) <= t <= window - time_to_exit(v)``, solved with Dinic's
    blocking-flow algorithm (Dinic 1970, Soviet Math. Dokl. 11:1277-1280). The
    network is implicit: node-minute arcs are generated from the street arrays
    and the flow is kept per arc-minute, so the searches stay in cache. The
    residual reachability of the last search is a minimum cut; its capacity,
    recomputed from the arcs, is ``upper_bound`` and equals ``evacuated``.

    Parameters
    ----------
    problem : EvacuationProblem
        The instance to solve.
    rel_gap : float
        Accept a plan proven within this relative gap: augmenting stops as soon
        as ``evacuated >= (1 - rel_gap) * upper_bound`` for the proven bound of
        :meth:`EvacuationProblem.simple_upper_bound` (checked before each phase);
        otherwise it runs to the minimum cut, which proves optimality. ``0``
        (default) always proves optimality. ``method`` is ``"exact"`` when the
        plan is proven optimal, else ``"exact (within gap)"``.
    time_limit_s : float, optional
        Stop augmenting after this many seconds (checked between phases). The
        plan found so far is feasible; ``upper_bound`` is then
        :meth:`EvacuationProblem.simple_upper_bound` and ``optimal`` may be False.
    warm_start : EvacuationResult or bool
        Start from a feasible plan (by default a CCRP plan computed here; pass
        one already computed, or False for a cold start). The maximum flow is
        the same; starting from a good plan saves Dinic phases.

    Returns
    -------
    EvacuationResult
        ``method == "exact"`` (or ``"exact (within gap)"``, see ``rel_gap``); the
        schedule is a decomposition of the flow into groups (origin, count,
        route, minutes).

    Raises
    ------
    ValueError
        ``rel_gap`` outside ``[0, 1)``.
    """
    if not (0.0 <= rel_gap < 1.0):
        raise ValueError(f"rel_gap must be in [0, 1), got {rel_gap}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ea = problem.earliest_arrival()
    de = problem.time_to_exit()
    timings["shortest_times"] = time.perf_counter() - t0
    warm: EvacuationResult | None = None
    if warm_start is True:
        warm = evacuate_ccrp(problem)
        timings["warm_start"] = warm.timings["total"]
    elif isinstance(warm_start, EvacuationResult):
        warm = warm_start
    t1 = time.perf_counter()
    static, state = _implicit_network(problem, ea, de)
    star_node = static[15]
    size = problem.n_nodes * static[1] + star_node.shape[0] + 2
    flow_value = 0
    if warm is not None and warm.n_groups:
        _k.te_load_plan(
            static,
            state,
            warm.group_origin,
            warm.group_count,
            warm.group_depart,
            warm.group_arrive,
            warm.group_exit,
            warm.group_ptr,
            warm.path_arc,
            warm.path_enter,
        )
        flow_value = warm.evacuated
        width = static[1]
        fl, _hold, _rel, xfl, sflow = state
        if (
            (fl.reshape(problem.n_arcs, width) > problem.capacity[:, None]).any()
            or (xfl.reshape(problem.n_nodes, width) > problem.exit_capacity[:, None]).any()
            or (sflow > problem.supply[star_node]).any()
        ):  # pragma: no cover - a plan that breaks a capacity is a bug
            raise RuntimeError("warm-start plan exceeds a capacity; please report this bug")
    level = np.full(size, -1, dtype=np.int32)
    queue = np.empty(size, dtype=np.int32)
    it = np.zeros(size, dtype=np.int32)
    nst = np.empty(size + 1, dtype=np.int64)
    hst = np.empty(size + 1, dtype=np.int64)
    timings["build"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    upper = problem.simple_upper_bound()
    finished = False
    phases = 0
    n_queued = 0
    while flow_value < (1.0 - rel_gap) * upper:
        reached, n_queued = _k.te_bfs(static, state, level, queue, n_queued)
        if not reached:
            finished = True
            break
        flow_value += int(
            _k.te_blocking_flow(
                static, state, level, queue, n_queued, it, nst, hst, _RELABEL_BUDGET * n_queued
            )
        )
        phases += 1
        if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
            break
    timings["max_flow"] = time.perf_counter() - t2
    if finished:
        # reached from the exits backwards = can still reach an exit
        cut, bad = _k.te_cut(static, state, level)
        if bad:  # pragma: no cover - internal consistency
            raise RuntimeError("an unlimited arc crosses the minimum cut; please report this bug")
        upper = min(upper, int(cut))
    t3 = time.perf_counter()
    parts = _k.te_decompose(static, state)
    timings["decompose"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    evacuated = int(parts[1].sum())
    if evacuated != flow_value:  # pragma: no cover - internal consistency
        raise RuntimeError("flow decomposition lost people; please report this bug")
    if finished and upper != evacuated:  # pragma: no cover - internal consistency
        raise RuntimeError("minimum cut differs from maximum flow; please report this bug")
    within_gap = not finished and rel_gap > 0.0 and evacuated >= (1.0 - rel_gap) * upper
    method = "exact (within gap)" if within_gap and upper != evacuated else "exact"
    res = _result(problem, parts, method=method, evacuated=evacuated, upper_bound=upper, timings=timings)
    nodes, arcs = _k.te_size(
        problem.n_nodes,
        static[1],
        static[2],
        static[3],
        problem.tail,
        problem.head,
        problem.travel_min,
        problem.capacity,
        problem.exit_capacity,
        static[14],
        star_node.shape[0],
    )
    res.stats.update({"phases": phases, "time_expanded_nodes": int(nodes), "time_expanded_arcs": int(arcs)})
    return res


def evacuate_ccrp(problem: EvacuationProblem) -> EvacuationResult:
    """Fast feasible plan with the Capacity Constrained Route Planner (CCRP).

    Lu, George & Shekhar (2005): while people remain, find over all origins with
    people left the route that reaches an exit earliest given the arc and exit
    capacity already reserved per minute, send as many as the route's least
    remaining capacity allows, reserve it. Stops when no route reaches an exit
    by the end of the window. Implemented exit-minute first: exit minutes are
    taken in increasing order (so each route found is an earliest-arrival
    route) and a backward search with latest-departure labels (integer buckets,
    waiting allowed) finds, among the origins with people left, the one that
    can leave latest; the search stops at the first origin, so it stays local.
    The plan is feasible, so ``evacuated`` is a lower bound on the optimum;
    ``upper_bound`` is :meth:`EvacuationProblem.simple_upper_bound`.

    Parameters
    ----------
    problem : EvacuationProblem
        The instance to plan.

    Returns
    -------
    EvacuationResult
        ``method == "ccrp"``.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ea = problem.earliest_arrival()
    rindptr, rorder = problem._csr(True)
    stats = np.zeros(4, dtype=np.int64)
    timings["shortest_times"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    # arcs renumbered in the order of the reverse search (by head) so that the
    # arcs into a node are consecutive: the search needs no arc index and reads
    # their room-left bits (see _flow_kernels._latest_free) from one cache line
    width = problem.window + 1
    cap_max = int(min(problem.capacity.max(initial=0), max(problem.total_people, 1)))
    dtype = np.int16 if cap_max < 2**15 else np.int32
    cap_max = min(cap_max, int(np.iinfo(dtype).max))
    m = rorder.shape[0]
    parts = _k.ccrp(
        problem.n_nodes,
        rindptr,
        problem.tail[rorder].astype(np.int32),
        problem.head[rorder].astype(np.int32),
        problem.travel_min[rorder].astype(np.int32),
        problem.capacity[rorder],
        problem.supply,
        problem.exit_capacity,
        ea,
        problem.window,
        stats,
        np.empty(m * width, dtype=dtype),
        cap_max,
    )
    parts = (*parts[:6], rorder[parts[6]], parts[7])
    timings["route"] = time.perf_counter() - t1
    counters = {
        "searches": int(stats[0]),
        "searches_in_vain": int(stats[1]),
        "nodes_searched": int(stats[2]),
        "nodes_searched_in_vain": int(stats[3]),
    }
    timings["total"] = time.perf_counter() - t0
    evacuated = int(parts[1].sum())
    upper = max(problem.simple_upper_bound(), evacuated)
    res = _result(problem, parts, method="ccrp", evacuated=evacuated, upper_bound=upper, timings=timings)
    res.stats.update(counters)
    return res


def evacuate(
    problem: EvacuationProblem,
    method: str = "exact",
    *,
    time_limit_s: float | None = None,
    rel_gap: float = 0.0,
) -> EvacuationResult:
    """Run ``"exact"``, ``"heuristic"`` (CCRP) or ``"both"``.

    Parameters
    ----------
    problem : EvacuationProblem
        The instance to plan.
    method : {"exact", "heuristic", "ccrp", "both"}
        Solver; ``"ccrp"`` is another name for ``"heuristic"``. ``"both"`` runs
        CCRP, then the exact solver warm-started from its plan.
    time_limit_s : float, optional
        Passed to :func:`evacuate_exact`.
    rel_gap : float
        Passed to :func:`evacuate_exact` (0: prove optimality).

    Returns
    -------
    EvacuationResult
        With ``"both"``, the exact plan with ``gap = (exact - heuristic) /
        exact`` (0 when nobody can get out) and ``heuristic_evacuated``.

    Raises
    ------
    ValueError
        Unknown method.
    """
    if method in ("heuristic", "ccrp"):
        return evacuate_ccrp(problem)
    if method == "exact":
        return evacuate_exact(problem, time_limit_s=time_limit_s, rel_gap=rel_gap)
    if method == "both":
        heur = evacuate_ccrp(problem)
        res = evacuate_exact(problem, time_limit_s=time_limit_s, warm_start=heur, rel_gap=rel_gap)
        res.heuristic_evacuated = heur.evacuated
        res.gap = 0.0 if res.evacuated == 0 else (res.evacuated - heur.evacuated) / res.evacuated
        res.timings["heuristic_total"] = heur.timings["total"]
        return res
    raise ValueError(f"unknown method {method!r} (exact, heuristic or both)")
