"""Fastest, shortest and safest routes, and diverse alternatives, with hazard exposure.

Weights
-------
``time``
    Travel seconds of the mode; arcs closed by a blocking hazard are skipped.
``length``
    Metres, over arcs open to the mode and not blocked.
``risk``
    Travel seconds times the hazard risk factor (:mod:`.hazards`): the
    safest route, trading time for exposure.

Algorithm
---------
A :class:`Router` answers point-to-point queries with bidirectional A* search
using ALT lower bounds (A*, Landmarks, Triangle inequality; Goldberg &
Harrelson, "Computing the shortest path: A* search meets graph theory",
SODA 2005) and the consistent average potential ``p(v) = (pi_t(v) -
pi_s(v)) / 2`` (Ikeda et al. 1994). Landmark distances are computed once on
the *base* weights (no hazard). Hazards only raise weights (factor >= 1) or
remove arcs, so the bounds stay admissible and feasible after any hazard
update: no preprocessing is repeated. Landmark distances are stored as float32
rounded toward minus infinity during the Dijkstra relaxation, which keeps them
feasible potentials; all path costs are float64, summed along the path in
order, and equal those of a textbook Dijkstra on the same weights.

Alternatives (``k`` diverse routes) follow the penalty method (Bader et al.,
"Alternative route graphs in road networks", TAPAS 2011): after each route,
the weights of its arcs are multiplied by ``1 + penalty`` and the search is
repeated; a route is kept when its true cost is within ``max_stretch`` of the
best and it shares at most ``max_overlap`` of its length with every route
kept before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safepassage.planning.hazards import Hazard, HazardOverlay, HazardSet
from safepassage.planning.network import Network

__all__ = [
    "WEIGHTS",
    "NoRouteError",
    "Route",
    "Router",
    "RoutingError",
    "alternative_routes",
    "shortest_route",
]

WEIGHTS = ("time", "length", "risk")
# Search work arrays: per-node ints (stamp_f, stamp_b, pred_f, pred_b) and floats
# (dist_f, dist_b, potential), then the forward and backward heaps (keys, nodes).
_Work = tuple[
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.int32],
    NDArray[np.float64],
    NDArray[np.int32],
]
_Heaps = tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.float64], NDArray[np.int32]]
_STAMP_LIMIT = 2**31 - 2
_HEAP_START = 1 << 14  # initial heap capacity; grown on demand


class RoutingError(ValueError):
    """A routing request that cannot be answered (unknown node, bad weight or mode).

    Parameters
    ----------
    *args : str
        The message (one string): the reason, naming the parameter at fault.
    """


class NoRouteError(RoutingError):
    """No path joins the source to the target (disconnected, or closed by hazards).

    Parameters
    ----------
    *args : str
        The message (one string): the two nodes and the likely cause.
    """


@dataclass(frozen=True)
class Route:
    """A path through a network and what it costs.

    Built by :class:`Router`; the fields are read-only.

    Parameters
    ----------
    nodes : ndarray of int64
        Node indices from source to target.
    arcs : ndarray of int64
        Arc ids, ``len(nodes) - 1`` of them.
    cost : float
        Sum of the arc weights along the path, in path order (seconds for
        ``time`` and ``risk``, metres for ``length``).
    weight, mode : str
        What was minimised, and the travel mode.
    length_m, duration_s : float
        Length and travel time (without risk factors).
    exposure : list of dict
        Per hazard touched: ``hazard_id``, ``kind``, ``risk_factor``, and the
        ``metres`` and ``minutes`` spent inside its footprint.
    geometry : dict
        GeoJSON LineString (lon/lat) of the path.
    """

    nodes: NDArray[np.int64]
    arcs: NDArray[np.int64]
    cost: float
    weight: str
    mode: str
    length_m: float
    duration_s: float
    exposure: list[dict[str, Any]] = field(default_factory=list)
    geometry: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (the ``route`` command's output for one route).

        Returns
        -------
        dict
            ``cost``, ``weight``, ``mode``, ``length_m``, ``duration_s``,
            ``nodes``, ``exposure`` and ``geometry``.
        """
        return {
            "cost": self.cost,
            "weight": self.weight,
            "mode": self.mode,
            "length_m": self.length_m,
            "duration_s": self.duration_s,
            "nodes": [int(v) for v in self.nodes],
            "exposure": self.exposure,
            "geometry": self.geometry,
        }


class Router:
    """Point-to-point routing that keeps its preprocessing across queries.

    Parameters
    ----------
    network : Network
        The road network.
    mode : {"walk", "drive"}
        Travel mode (travel times and closed arcs).
    hazards : HazardSet, iterable of Hazard, or HazardOverlay, optional
        Hazards in effect; update them later with :meth:`set_hazard` and
        :meth:`remove_hazard` (only the touched arcs are re-weighted).
    at : datetime, optional
        Time at which hazards are evaluated (default: full strength). With a
        :class:`HazardOverlay`, sets the overlay's time.
    landmarks : int
        Number of ALT landmarks (0: bidirectional Dijkstra, no preprocessing).
        Landmark tables take ``8 * landmarks * n_nodes`` bytes per weight kind.
    active_landmarks : int
        Landmarks used per query: the ones giving the best bounds for the
        source-target pair (0: all).
    seed : int
        Seed of the landmark selection (farthest-point heuristic).

    Raises
    ------
    RoutingError
        Unknown mode, negative landmark counts, or an overlay of another network.

    Notes
    -----
    Work arrays are allocated once; a query touches only the nodes it
    reaches (visited stamps). A Router is not thread-safe.
    """

    def __init__(
        self,
        network: Network,
        *,
        mode: str = "walk",
        hazards: HazardSet | Iterable[Hazard] | HazardOverlay | None = None,
        at: datetime | None = None,
        landmarks: int = 12,
        active_landmarks: int = 0,
        seed: int = 0,
    ) -> None:
        if mode not in ("walk", "drive"):
            raise RoutingError(f"mode must be 'walk' or 'drive', got {mode!r}")
        if landmarks < 0 or active_landmarks < 0:
            raise RoutingError("landmarks must be >= 0")
        self.network = network
        self.mode = mode
        self.n_landmarks = int(min(landmarks, network.n_nodes))
        self.active_landmarks = int(active_landmarks)
        self.seed = seed
        if isinstance(hazards, HazardOverlay):
            if hazards.network is not network:
                raise RoutingError("the hazard overlay belongs to another network")
            self.overlay: HazardOverlay | None = hazards
            if at is not None:
                hazards.set_time(at)
        elif hazards is not None:
            self.overlay = HazardOverlay(network, hazards, at=at)
        else:
            self.overlay = None
        self._travel = network.travel_seconds(mode)
        self._length: NDArray[np.float64] | None = None
        self._landmarks: dict[str, tuple[NDArray[np.float32], NDArray[np.int64]]] = {}
        self._work: _Work | None = None
        self._cur = 0
        self.last_settled = 0

    # ----------------------------------------------------------- weights
    def _base(self, weight: str) -> tuple[str, NDArray[np.float64]]:
        if weight in ("time", "risk"):
            return "time", self._travel
        if weight == "length":
            if self._length is None:
                self._length = np.where(np.isinf(self._travel), np.inf, self.network.length_m)
            return "length", self._length
        raise RoutingError(f"weight must be one of {', '.join(WEIGHTS)}, got {weight!r}")

    def _fmode(self, weight: str) -> int:
        if self.overlay is None:
            return 0
        return 2 if weight == "risk" else 1

    def _factor(self) -> NDArray[np.float64]:
        return self.overlay.factor if self.overlay is not None else np.ones(1)

    def weights(self, weight: str = "time") -> NDArray[np.float64]:
        """Effective weight of every arc, as the search sees it.

        Useful to check results against a reference shortest-path code.

        Parameters
        ----------
        weight : {"time", "length", "risk"}

        Returns
        -------
        ndarray of float64, shape (n_arcs,)
            A fresh array; ``inf`` where an arc is closed or blocked.

        Raises
        ------
        RoutingError
            Unknown weight.
        """
        _, base = self._base(weight)
        fmode = self._fmode(weight)
        if fmode == 0:
            return base.copy()
        factor = self._factor()
        blocked = np.isinf(factor)
        eff = base * factor if fmode == 2 else base.copy()
        eff[blocked] = np.inf
        return eff

    # ----------------------------------------------------------- hazards
    def set_hazard(self, hazard: Hazard) -> int:
        """Add or replace a hazard; the landmark tables stay valid.

        Parameters
        ----------
        hazard : Hazard
            The hazard to add or replace (by id).

        Returns
        -------
        int
            Number of arcs re-weighted.
        """
        if self.overlay is None:
            self.overlay = HazardOverlay(self.network)
        return int(self.overlay.set(hazard).shape[0])

    def remove_hazard(self, hazard_id: str) -> int:
        """Remove a hazard; the landmark tables stay valid.

        Parameters
        ----------
        hazard_id : str
            Id of the hazard to remove.

        Returns
        -------
        int
            Number of arcs re-weighted.

        Raises
        ------
        KeyError
            No hazard with this id.
        """
        if self.overlay is None or hazard_id not in {h.id for h in self.overlay.hazards}:
            raise KeyError(hazard_id)
        return int(self.overlay.remove(hazard_id).shape[0])

    # -------------------------------------------------------- landmarks
    def prepare(self, weight: str = "time") -> None:
        """Compute the landmark tables of a weight now (otherwise done on the first query).

        Parameters
        ----------
        weight : {"time", "length", "risk"}
            ``time`` and ``risk`` share one table (landmarks use base weights).
        """
        self._landmark_tables(weight)

    def _landmark_tables(self, weight: str) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Landmark distances ``lm[v, j] = d(L_j, v)``, ``lm[v, L + j] = d(v, L_j)`` and the landmarks."""
        from safepassage.planning import _routing_kernels as k

        key, base = self._base(weight)
        tables = self._landmarks.get(key)
        if tables is not None:
            return tables
        net = self.network
        n = net.n_nodes
        count = self.n_landmarks
        lm = np.empty((n, 2 * count), dtype=np.float32)
        chosen = np.empty(count, dtype=np.int64)
        if count:
            rptr, rarc = net.reverse_csr()
            hk = np.empty(n, dtype=np.float64)
            hn = np.empty(n, dtype=np.int32)
            pos = np.empty(n, dtype=np.int32)
            vec = np.empty(n, dtype=np.float32)
            dummy_adj = np.zeros(1, dtype=np.int32)
            one = np.ones(1)
            rng = np.random.default_rng(self.seed)

            def forward(source: int) -> None:
                k.sssp_float32_down(
                    net.indptr, dummy_adj, False, net.head, base, one, 0, source, vec, hk, hn, pos
                )

            def backward(source: int) -> None:
                k.sssp_float32_down(rptr, rarc, True, net.tail, base, one, 0, source, vec, hk, hn, pos)

            # Farthest-point selection: start from the node farthest from a random node,
            # then repeatedly take the node with the largest round trip to its nearest landmark.
            forward(int(rng.integers(n)))
            start = int(np.argmax(np.where(np.isfinite(vec), vec, -1.0)))
            spread = np.full(n, np.inf)
            nxt = start
            for i in range(count):
                chosen[i] = nxt
                forward(nxt)
                lm[:, i] = vec
                round_trip = vec.astype(np.float64)
                backward(nxt)
                lm[:, count + i] = vec
                round_trip += vec
                spread = np.minimum(spread, round_trip)
                candidates = np.where(np.isfinite(spread), spread, -1.0)
                candidates[chosen[: i + 1]] = -1.0
                nxt = int(np.argmax(candidates))
                if candidates[nxt] <= 0.0:  # every reachable node is a landmark already: reuse the start
                    nxt = int(chosen[0])
            # Unreachable pairs: cap infinities by a constant M; min(D, M) is still a
            # feasible potential, so the bounds stay admissible.
            fin = np.isfinite(lm)
            top = float(lm[fin].max()) if fin.any() else 0.0
            lm[~fin] = np.float32(2.0 * top + 1.0)
        tables = (lm, chosen)
        self._landmarks[key] = tables
        return tables

    def nbytes(self) -> int:
        """Bytes held by the router: landmark tables, work arrays, hazard overlay, length weights.

        Returns
        -------
        int
            Sum of the arrays' ``nbytes``.
        """
        total = sum(t[0].nbytes for t in self._landmarks.values())
        if self._work is not None:
            total += sum(a.nbytes for a in self._work)
        if self.overlay is not None:
            total += self.overlay.nbytes()
        if self._length is not None:
            total += self._length.nbytes
        return int(total)

    # ------------------------------------------------------------ search
    def _workspace(self) -> _Work:
        if self._work is None:
            n = self.network.n_nodes
            ints = np.zeros((n, 4), dtype=np.int32)  # stamp_f, stamp_b, pred_f, pred_b
            floats = np.empty((n, 3), dtype=np.float64)  # dist_f, dist_b, potential
            self._work = (ints, floats, *self._heaps(_HEAP_START))
        self._cur += 1
        if self._cur >= _STAMP_LIMIT:
            self._work[0][:, :2] = 0
            self._cur = 1
        return self._work

    @staticmethod
    def _heaps(capacity: int) -> _Heaps:
        return (
            np.empty(capacity, dtype=np.float64),  # hk_f
            np.empty(capacity, dtype=np.int32),  # hn_f
            np.empty(capacity, dtype=np.float64),  # hk_b
            np.empty(capacity, dtype=np.int32),  # hn_b
        )

    def _check_node(self, node: Any, name: str) -> int:
        if isinstance(node, bool) or not isinstance(node, int | np.integer):
            raise RoutingError(f"{name} must be a node index (int), got {node!r}")
        if not 0 <= int(node) < self.network.n_nodes:
            raise RoutingError(
                f"{name} node {int(node)} is not in the network (0..{self.network.n_nodes - 1})"
            )
        return int(node)

    def _search(
        self, s: int, t: int, weight: str, explicit: NDArray[np.float64] | None = None
    ) -> tuple[float, NDArray[np.int64]]:
        from safepassage.planning import _routing_kernels as k

        net = self.network
        _, base = self._base(weight)
        if explicit is None:
            w, factor, fmode = base, self._factor(), self._fmode(weight)
        else:
            w, factor, fmode = explicit, np.ones(1), 0
        if self.n_landmarks and s != t:
            lm, _ = self._landmark_tables(weight)
            act = self._active(lm, s, t)
        else:
            lm = np.zeros((1, 2), dtype=np.float32)
            act = np.zeros(0, dtype=np.int64)
        rptr, rarc = net.reverse_csr()
        while True:
            work = self._workspace()
            mu, meet, settled = k.bidir_query(
                net.indptr, net.head, rptr, rarc, net.tail, w, factor, fmode, s, t, lm, act, *work, self._cur
            )
            if meet != -2:
                break
            # A heap filled up: grow both (the search is repeated with fresh stamps).
            capacity = 2 * work[2].shape[0]
            self._work = (work[0], work[1], *self._heaps(capacity))
        self.last_settled = int(settled)
        if not math.isfinite(mu):
            return math.inf, np.zeros(0, dtype=np.int64)
        return float(mu), k.path_arcs(meet, work[0], net.tail, net.head)

    def _active(self, lm: NDArray[np.float32], s: int, t: int) -> NDArray[np.int64]:
        count = lm.shape[1] // 2
        if self.active_landmarks == 0 or self.active_landmarks >= count:
            return np.arange(count, dtype=np.int64)
        row_s = lm[s].astype(np.float64)
        row_t = lm[t].astype(np.float64)
        bound = np.maximum(row_t[:count] - row_s[:count], row_s[count:] - row_t[count:])
        return np.sort(np.argsort(-bound, kind="stable")[: self.active_landmarks]).astype(np.int64)

    def distance(self, source: int, target: int, weight: str = "time") -> float:
        """Cost of the best path, without building a :class:`Route`.

        Parameters
        ----------
        source, target : int
            Node indices.
        weight : {"time", "length", "risk"}

        Returns
        -------
        float
            Sum of the arc weights along the path; ``inf`` if there is none.

        Raises
        ------
        RoutingError
            Unknown node or weight.
        """
        from safepassage.planning import _routing_kernels as k

        s = self._check_node(source, "source")
        t = self._check_node(target, "target")
        _, arcs = self._search(s, t, weight)
        if s != t and arcs.shape[0] == 0:
            return math.inf
        _, base = self._base(weight)
        return float(k.sequential_cost(arcs, base, self._factor(), self._fmode(weight)))

    def route(self, source: int, target: int, weight: str = "time") -> Route:
        """Best route between two nodes.

        Parameters
        ----------
        source, target : int
            Node indices (snap coordinates with :meth:`Network.nearest_node`).
        weight : {"time", "length", "risk"}
            What to minimise (see the module docstring).

        Returns
        -------
        Route
            The best route and its exposure to hazards.

        Raises
        ------
        RoutingError
            Unknown node, weight or mode.
        NoRouteError
            The target cannot be reached.
        """
        s = self._check_node(source, "source")
        t = self._check_node(target, "target")
        self._base(weight)
        _, arcs = self._search(s, t, weight)
        if s != t and arcs.shape[0] == 0:
            raise NoRouteError(f"no route from node {s} to node {t} ({self._closure_note()})")
        return self._make_route(s, arcs, weight)

    def _closure_note(self) -> str:
        if self.overlay is not None and np.isinf(self.overlay.factor).any():
            return f"disconnected for {self.mode!r} or closed by blocking hazards"
        return f"disconnected for {self.mode!r}"

    def _make_route(self, s: int, arcs: NDArray[np.int64], weight: str) -> Route:
        from safepassage.planning import _routing_kernels as k

        net = self.network
        _, base = self._base(weight)
        cost = float(k.sequential_cost(arcs, base, self._factor(), self._fmode(weight)))
        nodes = np.empty(arcs.shape[0] + 1, dtype=np.int64)
        nodes[0] = s
        nodes[1:] = net.head[arcs]
        length = float(np.cumsum(net.length_m[arcs])[-1]) if arcs.shape[0] else 0.0
        duration = float(np.cumsum(self._travel[arcs])[-1]) if arcs.shape[0] else 0.0
        exposure = self.overlay.exposure(arcs, self._travel) if self.overlay is not None else []
        coords = np.column_stack([net.lon[nodes], net.lat[nodes]]).tolist()
        if len(coords) == 1:
            coords = coords * 2
        return Route(
            nodes=nodes,
            arcs=arcs,
            cost=cost,
            weight=weight,
            mode=self.mode,
            length_m=length,
            duration_s=duration,
            exposure=exposure,
            geometry={"type": "LineString", "coordinates": coords},
        )

    def alternatives(
        self,
        source: int,
        target: int,
        k: int = 3,
        weight: str = "time",
        *,
        penalty: float = 0.5,
        max_stretch: float = 0.5,
        max_overlap: float = 0.7,
        max_tries: int | None = None,
    ) -> list[Route]:
        """Up to ``k`` diverse routes, the best first (penalty method).

        Parameters
        ----------
        source, target : int
            Node indices.
        k : int
            Number of routes wanted (>= 1).
        weight : {"time", "length", "risk"}
            What to minimise.
        penalty : float
            Each found route's arcs get their weight multiplied by ``1 + penalty``.
        max_stretch : float
            Keep routes costing at most ``(1 + max_stretch)`` times the best.
        max_overlap : float
            Keep a route only if at most this share of its length is shared with
            each route already kept.
        max_tries : int, optional
            Searches to run at most (default ``4 * k``).

        Returns
        -------
        list of Route
            Sorted by cost; fewer than ``k`` when no other diverse route exists
            within the stretch. Costs are true costs (without penalties).

        Raises
        ------
        RoutingError
            Unknown node or weight, ``k < 1`` or a parameter out of range.
        NoRouteError
            The target cannot be reached.
        """
        if k < 1:
            raise RoutingError("k must be at least 1")
        if penalty <= 0 or max_stretch < 0 or not 0 <= max_overlap <= 1:
            raise RoutingError("penalty must be > 0, max_stretch >= 0, max_overlap within 0..1")
        best = self.route(source, target, weight)
        routes = [best]
        if k == 1 or best.arcs.shape[0] == 0:
            return routes
        s = int(best.nodes[0])
        t = int(best.nodes[-1])
        penalised = self.weights(weight)
        length = self.network.length_m
        seen: set[bytes] = {best.arcs.tobytes()}
        last = best.arcs
        for _ in range(max_tries if max_tries is not None else 4 * k):
            penalised[last] *= 1.0 + penalty
            _, arcs = self._search(s, t, weight, explicit=penalised)
            if arcs.shape[0] == 0:
                break
            last = arcs
            key = arcs.tobytes()
            if key in seen:
                continue
            seen.add(key)
            candidate = self._make_route(s, arcs, weight)
            if candidate.cost > (1.0 + max_stretch) * best.cost:
                continue
            total = float(length[arcs].sum())
            diverse = True
            for kept in routes:
                shared = float(length[np.intersect1d(arcs, kept.arcs)].sum())
                if total > 0 and shared / total > max_overlap:
                    diverse = False
                    break
            if diverse:
                routes.append(candidate)
                if len(routes) == k:
                    break
        routes.sort(key=lambda r: r.cost)
        return routes


def shortest_route(
    network: Network,
    source: int,
    target: int,
    *,
    weight: str = "time",
    hazards: HazardSet | Iterable[Hazard] | HazardOverlay | None = None,
    mode: str = "walk",
    at: datetime | None = None,
) -> Route:
    """Best route between two nodes (one query: bidirectional Dijkstra, no preprocessing).

    Parameters
    ----------
    network : Network
        The road network.
    source, target : int
        Node indices (snap coordinates with :meth:`Network.nearest_node`).
    weight : {"time", "length", "risk"}
        What to minimise (see the module docstring).
    hazards : HazardSet, iterable of Hazard, or HazardOverlay, optional
        Hazards in effect.
    mode : {"walk", "drive"}
        Travel mode.
    at : datetime, optional
        Time at which hazards are evaluated.

    Returns
    -------
    Route
        The best route and its exposure to hazards.

    Raises
    ------
    RoutingError
        Unknown node, weight or mode.
    NoRouteError
        No path.
    """
    return Router(network, mode=mode, hazards=hazards, at=at, landmarks=0).route(source, target, weight)


def alternative_routes(
    network: Network,
    source: int,
    target: int,
    k: int = 3,
    *,
    weight: str = "time",
    hazards: HazardSet | Iterable[Hazard] | HazardOverlay | None = None,
    mode: str = "walk",
    at: datetime | None = None,
    penalty: float = 0.5,
    max_stretch: float = 0.5,
    max_overlap: float = 0.7,
) -> list[Route]:
    """Up to ``k`` diverse routes, best first (penalty method, see :meth:`Router.alternatives`).

    Parameters
    ----------
    network : Network
        The road network.
    source, target : int
        Node indices.
    k : int
        Number of routes wanted (>= 1).
    weight : {"time", "length", "risk"}
        What to minimise.
    hazards : HazardSet, iterable of Hazard, or HazardOverlay, optional
        Hazards in effect.
    mode : {"walk", "drive"}
        Travel mode.
    at : datetime, optional
        Time at which hazards are evaluated.
    penalty, max_stretch, max_overlap : float
        See :meth:`Router.alternatives`.

    Returns
    -------
    list of Route
        Sorted by cost; fewer than ``k`` when no other diverse route exists.

    Raises
    ------
    RoutingError
        Unknown node, weight or mode, or a parameter out of range.
    NoRouteError
        The target cannot be reached.
    """
    router = Router(network, mode=mode, hazards=hazards, at=at, landmarks=0)
    return router.alternatives(
        source, target, k, weight, penalty=penalty, max_stretch=max_stretch, max_overlap=max_overlap
    )
