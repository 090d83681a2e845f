"""Routing: hand-checkable answers, equality with scipy's Dijkstra on every test graph,
property tests on random graphs, hazards, alternatives, exposure."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.planning import Route as LazyRoute
from safepassage.planning import Router as LazyRouter
from safepassage.planning import alternative_routes as lazy_alternatives
from safepassage.planning import shortest_route as lazy_shortest
from safepassage.planning.hazards import Hazard, HazardOverlay, HazardSet
from safepassage.planning.network import Network, grid_network
from safepassage.planning.routing import (
    NoRouteError,
    Route,
    Router,
    RoutingError,
    alternative_routes,
    shortest_route,
)

A, B, D, C, E = 0, 1, 2, 3, 4
B_ZONE = shapely.box(37.1008, 36.2008, 37.1012, 36.2012)  # a small square around node B


def same_cost(got: float, expected: float) -> bool:
    if math.isinf(expected):
        return math.isinf(got)
    return abs(got - expected) <= 1e-9 * abs(expected) or got == expected


def test_lazy_exports():
    assert (LazyRoute, LazyRouter, lazy_shortest, lazy_alternatives) == (
        Route,
        Router,
        shortest_route,
        alternative_routes,
    )


# ------------------------------------------------------------ hand-checked
def test_fastest_route_by_hand(small):
    r = shortest_route(small, A, D)
    assert r.nodes.tolist() == [A, B, D]
    assert r.cost == 120.0 and r.duration_s == 120.0 and r.length_m == 200.0
    assert r.weight == "time" and r.mode == "walk" and r.exposure == []
    assert r.geometry == {
        "type": "LineString",
        "coordinates": [[37.100, 36.200], [37.101, 36.201], [37.102, 36.200]],
    }
    assert [int(small.tail[a]) for a in r.arcs] == [A, B]


def test_shortest_route_by_length_by_hand(small):
    r = shortest_route(small, A, D, weight="length")
    assert r.nodes.tolist() == [A, C, D]
    assert r.cost == 160.0 and r.length_m == 160.0 and r.duration_s == 240.0


def test_one_way_and_no_route(small):
    assert shortest_route(small, A, E).nodes.tolist() == [A, B, D, E]
    assert shortest_route(small, A, E).cost == 180.0
    with pytest.raises(NoRouteError, match="no route from node 4 to node 0"):
        shortest_route(small, E, A)
    assert issubclass(NoRouteError, ValueError)


def test_same_source_and_target(small):
    r = shortest_route(small, C, C)
    assert r.nodes.tolist() == [C] and r.arcs.shape == (0,) and r.cost == 0.0 and r.length_m == 0.0
    assert len(r.geometry["coordinates"]) == 2  # a valid (degenerate) GeoJSON LineString


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": 5, "target": 0}, "source node 5 is not in the network"),
        ({"source": 0, "target": -1}, "target node -1"),
        ({"source": 0.5, "target": 1}, "source must be a node index"),
        ({"source": True, "target": 1}, "source must be a node index"),
        ({"source": 0, "target": 1, "weight": "beauty"}, "weight must be one of"),
        ({"source": 0, "target": 1, "mode": "fly"}, "mode must be"),
    ],
)
def test_bad_requests(small, kwargs, message):
    with pytest.raises(RoutingError, match=message):
        shortest_route(small, **kwargs)


def test_isolated_target_in_a_disconnected_network():
    net = Network.from_arrays(
        lon=[37.0, 37.1, 37.2, 37.3], lat=[36.0] * 4, tail=[0, 1], head=[1, 0], length_m=[10.0, 10.0]
    )
    router = Router(net, landmarks=2)
    with pytest.raises(NoRouteError):
        router.route(0, 3)
    assert router.distance(0, 3) == math.inf
    assert router.route(1, 0).cost == 8.0  # 10 m at 1.25 m/s


def test_zero_weight_arcs_and_parallel_arcs():
    # 0 -> 1 twice (7 s and 3 s), 1 -> 2 free (0 s), 0 -> 2 direct 4 s.
    net = Network.from_arrays(
        lon=[37.0, 37.1, 37.2],
        lat=[36.0] * 3,
        tail=[0, 0, 1, 0],
        head=[1, 1, 2, 2],
        length_m=[1.0, 1.0, 1.0, 1.0],
        travel_s=[7.0, 3.0, 0.0, 4.0],
    )
    for lm in (0, 3):
        r = Router(net, landmarks=lm).route(0, 2)
        assert r.cost == 3.0 and r.nodes.tolist() == [0, 1, 2]


# ------------------------------------------------------------------ hazards
def test_hazard_changes_safest_route_and_blocking_closes_arcs(small):
    zone = Hazard("zone-B", B_ZONE, kind="shelling_zone", severity="high")
    safest = shortest_route(small, A, D, weight="risk", hazards=[zone])
    assert safest.nodes.tolist() == [A, C, D] and safest.cost == 240.0
    fastest = shortest_route(small, A, D, weight="time", hazards=[zone])
    assert fastest.nodes.tolist() == [A, B, D] and fastest.cost == 120.0  # time ignores non-blocking risk
    risky = Router(small, hazards=[zone]).weights("risk")
    assert sorted(risky[np.isin(small.tail, [A, B]) & np.isin(small.head, [A, B])].tolist()) == [600.0, 600.0]
    blocked = Hazard("closed-B", B_ZONE, blocked=True)
    detour = shortest_route(small, A, D, hazards=[blocked])
    assert detour.nodes.tolist() == [A, C, D] and detour.cost == 240.0
    with pytest.raises(NoRouteError, match="blocking hazards"):
        shortest_route(small, A, B, hazards=[blocked])


def test_exposure_metres_and_minutes(small):
    zone = Hazard("zone-B", B_ZONE, kind="shelling_zone", severity="high")
    r = shortest_route(small, A, D, hazards=HazardSet.of([zone]))
    assert len(r.exposure) == 1
    exp = r.exposure[0]
    assert exp["hazard_id"] == "zone-B" and exp["kind"] == "shelling_zone" and exp["risk_factor"] == 10.0
    # A-B and B-D each run their last/first 20 % inside the square: 20 m + 20 m, 12 s + 12 s.
    assert exp["metres"] == pytest.approx(40.0, rel=1e-3)
    assert exp["minutes"] == pytest.approx(0.4, rel=1e-3)
    away = shortest_route(small, A, D, weight="risk", hazards=[zone])
    assert away.exposure == []


def test_cleared_and_out_of_window_hazards_have_no_effect(small, small_hazards_path):
    hazards = HazardSet.from_geojson(small_hazards_path)
    r = shortest_route(small, A, C, hazards=hazards)  # the cleared UXO at C blocks nothing
    assert r.nodes.tolist() == [A, C]


def test_router_hazard_updates_touch_only_affected_arcs(osm_network):
    router = Router(osm_network, landmarks=4)
    before = router.distance(10, 900)
    zone = Hazard("z", shapely.Point(26.95, 60.53).buffer(0.002), severity="extreme")
    touched = router.set_hazard(zone)
    assert touched > 0
    factor = router.overlay.factor
    assert np.count_nonzero(np.isinf(factor)) == touched
    fresh = HazardOverlay(osm_network, [zone])
    np.testing.assert_array_equal(factor, fresh.factor)
    after = router.distance(10, 900)
    assert after >= before
    moved = Hazard("z", shapely.Point(26.94, 60.525).buffer(0.001), severity="low")
    router.set_hazard(moved)
    np.testing.assert_array_equal(router.overlay.factor, HazardOverlay(osm_network, [moved]).factor)
    router.remove_hazard("z")
    assert np.all(router.overlay.factor == 1.0)
    assert router.distance(10, 900) == before
    with pytest.raises(KeyError):
        router.remove_hazard("z")


# ---------------------------------------------- reference Dijkstra (scipy)
def _check_against_reference(network, router, reference, weight, rng, sources=6, targets=8):
    w = router.weights(weight)
    for s in rng.integers(network.n_nodes, size=sources):
        dist = reference(network, w, int(s))
        for t in rng.integers(network.n_nodes, size=targets):
            got = router.distance(int(s), int(t), weight)
            assert same_cost(got, dist[t]), (weight, s, t, got, dist[t])
            if math.isfinite(dist[t]):
                r = router.route(int(s), int(t), weight)
                assert same_cost(r.cost, dist[t])
                assert r.nodes[0] == s and r.nodes[-1] == t
                # the path is a real path whose arc weights add up to the cost
                assert np.all(network.tail[r.arcs] == r.nodes[:-1]) and np.all(
                    network.head[r.arcs] == r.nodes[1:]
                )
                assert same_cost(float(np.cumsum(w[r.arcs])[-1]) if r.arcs.size else 0.0, r.cost)


@pytest.mark.parametrize("landmarks", [0, 8])
@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_osm_routes_equal_scipy(osm_network, reference, landmarks, mode):
    router = Router(osm_network, mode=mode, landmarks=landmarks)
    rng = np.random.default_rng(11)
    for weight in ("time", "length"):
        _check_against_reference(osm_network, router, reference, weight, rng)


@pytest.mark.parametrize("landmarks", [0, 16])
def test_grid_routes_equal_scipy_with_hazards(grid, reference, landmarks):
    rng = np.random.default_rng(5)
    lon, lat = grid.lon, grid.lat
    hazards = [
        Hazard(
            f"h{i}",
            shapely.Point(rng.uniform(lon.min(), lon.max()), rng.uniform(lat.min(), lat.max())),
            kind="incident_cluster",
            radius_m=float(rng.uniform(100, 400)),
            risk_factor=float(rng.choice([1.0, 1.5, 3.0, 10.0])),
            blocked=bool(rng.random() < 0.3),
        )
        for i in range(12)
    ]
    router = Router(grid, hazards=hazards, landmarks=landmarks)
    assert np.isinf(router.overlay.factor).any() and (router.overlay.factor > 1).any()
    for weight in ("time", "length", "risk"):
        _check_against_reference(grid, router, reference, weight, rng)


def test_osm_routes_equal_igraph(osm_network):
    import igraph as ig

    w = osm_network.travel_seconds("drive")
    ok = np.isfinite(w)
    g = ig.Graph(
        n=osm_network.n_nodes,
        edges=list(zip(osm_network.tail[ok], osm_network.head[ok], strict=True)),
        directed=True,
    )
    router = Router(osm_network, mode="drive")
    rng = np.random.default_rng(2)
    sources = rng.integers(osm_network.n_nodes, size=5)
    targets = rng.integers(osm_network.n_nodes, size=20)
    dist = np.array(g.distances(source=sources.tolist(), target=targets.tolist(), weights=w[ok].tolist()))
    for i, s in enumerate(sources):
        for j, t in enumerate(targets):
            assert same_cost(router.distance(int(s), int(t)), float(dist[i, j]))


def test_stamps_wrap_around_safely(grid, reference):
    router = Router(grid, landmarks=4)
    expected = reference(grid, router.weights("time"), 3)
    router.distance(3, 500)
    router._cur = 2**31 - 3  # next queries cross the reset of the visited stamps
    for t in (500, 1200, 1999, 7):
        assert same_cost(router.distance(3, t), expected[t])


# ------------------------------------------------------- property tests
@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 80))
    tails = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    heads = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    weights = draw(st.lists(st.floats(0.001, 1000.0), min_size=m, max_size=m))
    factors = draw(st.lists(st.sampled_from([1.0, 1.0, 1.5, 2.0, 7.3, math.inf]), min_size=m, max_size=m))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    net = Network.from_arrays(
        lon=37.0 + rng.uniform(0, 0.05, n),
        lat=36.0 + rng.uniform(0, 0.05, n),
        tail=tails,
        head=heads,
        length_m=np.asarray(weights) * 2.0,
        travel_s=weights,
    )
    return net, np.asarray(factors, dtype=float)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs(), st.integers(0, 6), st.data())
def test_property_routing_equals_reference_dijkstra(reference, graph, landmarks, data):
    net, factors = graph
    overlay = HazardOverlay(net)
    overlay.factor[:] = factors
    router = Router(net, hazards=overlay, landmarks=landmarks, active_landmarks=data.draw(st.integers(0, 3)))
    base = net.travel_seconds("walk")
    expected_weights = {
        "time": np.where(np.isinf(factors), np.inf, base),
        "risk": np.where(np.isinf(factors), np.inf, base * factors),
        "length": np.where(np.isinf(factors), np.inf, net.length_m),
    }
    pairs = data.draw(
        st.lists(
            st.tuples(st.integers(0, net.n_nodes - 1), st.integers(0, net.n_nodes - 1)),
            min_size=1,
            max_size=6,
        )
    )
    for weight, w in expected_weights.items():
        np.testing.assert_array_equal(router.weights(weight), w)
        for s, t in pairs:
            expected = reference(net, w, s)[t]
            assert same_cost(router.distance(s, t, weight), expected)
            if math.isfinite(expected):
                assert same_cost(router.route(s, t, weight).cost, expected)
            else:
                with pytest.raises(NoRouteError):
                    router.route(s, t, weight)


# ------------------------------------------------------------- alternatives
def test_alternatives_by_hand(small):
    routes = alternative_routes(small, A, D, 3, max_stretch=2.0)
    assert [r.nodes.tolist() for r in routes] == [[A, B, D], [A, C, D], [A, D]]
    assert [r.cost for r in routes] == [120.0, 240.0, 300.0]
    # Default stretch (1.5 x best = 180 s) leaves only the best route.
    assert len(alternative_routes(small, A, D, 3)) == 1


def test_alternatives_on_a_grid_are_diverse_and_bounded(grid, reference):
    router = Router(grid, landmarks=8)
    s, t = 0, grid.n_nodes - 1
    routes = router.alternatives(s, t, 3)
    assert len(routes) == 3
    best = reference(grid, router.weights("time"), s)[t]
    assert same_cost(routes[0].cost, best)
    costs = [r.cost for r in routes]
    assert costs == sorted(costs) and costs[-1] <= 1.5 * best
    length = grid.length_m
    for i, r in enumerate(routes):
        assert r.nodes[0] == s and r.nodes[-1] == t
        for other in routes[:i]:
            shared = length[np.intersect1d(r.arcs, other.arcs)].sum()
            assert shared / length[r.arcs].sum() <= 0.7
    with pytest.raises(RoutingError, match="k must be"):
        router.alternatives(s, t, 0)
    with pytest.raises(RoutingError, match="penalty"):
        router.alternatives(s, t, 2, penalty=0)


def test_route_to_dict_is_json_ready(small):
    import json

    d = shortest_route(small, A, E).to_dict()
    assert json.loads(json.dumps(d, allow_nan=False))["nodes"] == [A, B, D, E]
    assert set(d) >= {"cost", "length_m", "duration_s", "exposure", "geometry"}


def test_memory_accounting(grid):
    router = Router(grid, landmarks=4, hazards=[Hazard("p", shapely.Point(37.11, 36.18), radius_m=300.0)])
    router.distance(0, 100)
    n, m = grid.n_nodes, grid.n_arcs
    assert router.nbytes() >= 2 * 4 * 4 * n + 8 * m  # landmark tables (float32) and hazard factors
    assert grid.nbytes() >= m * (4 + 4 + 8 + 8 + 1) + n * 16


def test_grid_network_router_default_landmarks_prepare(grid):
    router = Router(grid)
    router.prepare("time")
    router.prepare("length")
    assert router.distance(0, grid.n_nodes - 1, "length") == pytest.approx(
        100.0 * (40 - 1 + 50 - 1), rel=1e-9
    )
    assert router.nbytes() > 0 and grid_network(1, 1).n_arcs == 0


def test_small_heaps_grow_on_demand(grid, reference, monkeypatch):
    import safepassage.planning.routing as routing

    monkeypatch.setattr(routing, "_HEAP_START", 2)
    router = Router(grid, landmarks=4)
    expected = reference(grid, router.weights("time"), 0)
    for t in (1, 77, 1500, grid.n_nodes - 1):
        assert same_cost(router.distance(0, t), expected[t])
    assert router._work is not None and router._work[2].shape[0] > 2


@pytest.mark.parametrize("which", ["small", "district", "grid", "osm"])
def test_every_test_graph_equals_scipy_with_default_router(which, request, reference):
    from safepassage.planning.network import district_graph

    if which == "district":
        net = district_graph(request.getfixturevalue("neighborhoods_path"))
    else:
        net = request.getfixturevalue({"small": "small", "grid": "grid", "osm": "osm_network"}[which])
    router = Router(net)  # default ALT settings
    for weight in ("time", "length"):
        w = router.weights(weight)
        for s in range(0, net.n_nodes, max(1, net.n_nodes // 7)):
            dist = reference(net, w, s)
            for t in range(0, net.n_nodes, max(1, net.n_nodes // 11)):
                assert same_cost(router.distance(s, t, weight), dist[t]), (which, weight, s, t)


def test_router_argument_checks_and_lazy_overlay(small, grid):
    with pytest.raises(RoutingError, match="another network"):
        Router(small, hazards=HazardOverlay(grid))
    with pytest.raises(RoutingError, match="landmarks must be >= 0"):
        Router(small, landmarks=-1)
    router = Router(small, landmarks=0)
    assert router.overlay is None
    with pytest.raises(KeyError):
        router.remove_hazard("nothing")
    assert router.set_hazard(Hazard("closed-B", B_ZONE, blocked=True)) == 4  # A-B, B-A, B-D, D-B
    assert router.route(A, D).nodes.tolist() == [A, C, D]
    assert router.remove_hazard("closed-B") == 4
    assert router.route(A, D).nodes.tolist() == [A, B, D]


def test_router_evaluates_hazards_at_a_time(small):
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2016, 12, 1, 6, tzinfo=UTC)
    closure = Hazard("pause-B", B_ZONE, blocked=True, valid_from=t0, valid_to=t0 + timedelta(hours=4))
    before = Router(small, hazards=[closure], at=t0 - timedelta(hours=1), landmarks=0)
    during = Router(small, hazards=[closure], at=t0 + timedelta(hours=1), landmarks=0)
    assert before.route(A, D).cost == 120.0
    assert during.route(A, D).cost == 240.0
    overlay = HazardOverlay(small, [closure])
    assert Router(small, hazards=overlay, at=t0 + timedelta(hours=5)).route(A, D).cost == 120.0


def test_reverse_csr_lists_incoming_arcs(osm_network):
    rptr, rarc = osm_network.reverse_csr()
    assert rptr[-1] == osm_network.n_arcs and np.array_equal(np.sort(rarc), np.arange(osm_network.n_arcs))
    for v in range(0, osm_network.n_nodes, 97):
        incoming = rarc[rptr[v] : rptr[v + 1]]
        assert np.all(osm_network.head[incoming] == v)
        assert set(incoming.tolist()) == set(np.flatnonzero(osm_network.head == v).tolist())
