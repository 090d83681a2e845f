"""Road networks: GeoJSON, OpenStreetMap PBF, arrays, cache, district graph, snapping."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from safepassage.planning import Network as LazyNetwork
from safepassage.planning import district_graph as lazy_district_graph
from safepassage.planning import load_network as lazy_load_network
from safepassage.planning.network import (
    ROAD_CLASSES,
    WALK_SPEED_MPS,
    Network,
    NetworkInputError,
    district_graph,
    grid_network,
    load_network,
)

A, B, D, C, E = 0, 1, 2, 3, 4
GEOD = Geod(ellps="WGS84")


def line(coords, **props):
    return {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


# ------------------------------------------------------------------ GeoJSON
def test_lazy_exports_are_the_real_objects():
    assert LazyNetwork is Network
    assert lazy_load_network is load_network
    assert lazy_district_graph is district_graph


def test_small_network_structure(small):
    assert (small.n_nodes, small.n_arcs) == (5, 11)  # five two-way edges, one one-way
    assert small.tail.dtype == np.int32 and small.head.dtype == np.int32
    assert small.indptr.dtype == np.int64 and small.road_class.dtype == np.int8
    assert np.all(np.diff(small.tail) >= 0)
    for u in range(small.n_nodes):
        assert np.all(small.tail[small.indptr[u] : small.indptr[u + 1]] == u)
    assert small.indptr[-1] == small.n_arcs
    pairs = set(zip(small.tail.tolist(), small.head.tolist(), strict=True))
    assert (D, E) in pairs and (E, D) not in pairs  # one-way
    assert {(A, B), (B, A), (A, C), (C, A), (A, D), (D, A)} <= pairs


def test_small_network_lengths_times_capacity(small):
    arc = {(int(u), int(v)): k for k, (u, v) in enumerate(zip(small.tail, small.head, strict=True))}
    assert small.length_m[arc[A, B]] == 100.0
    assert small.length_m[arc[C, D]] == 80.0
    for mode in ("walk", "drive"):  # travel_min applies to every mode
        secs = small.travel_seconds(mode)
        assert secs[arc[A, B]] == 60.0 and secs[arc[A, D]] == 300.0 and secs[arc[D, E]] == 60.0
    assert small.capacity_ppm[arc[A, D]] == 40.0 and small.capacity_ppm[arc[D, A]] == 40.0
    assert np.isinf(small.capacity_ppm[arc[A, B]])


def test_default_length_is_geodesic_and_default_speeds():
    coords = [[37.10, 36.20], [37.11, 36.20], [37.11, 36.21]]
    net = Network.from_geojson(collection(line(coords)))
    expected = GEOD.line_length([c[0] for c in coords], [c[1] for c in coords])
    assert net.n_nodes == 2 and net.n_arcs == 2
    np.testing.assert_allclose(net.length_m, expected, rtol=1e-12)
    np.testing.assert_allclose(net.travel_seconds("walk"), expected / WALK_SPEED_MPS, rtol=1e-12)
    np.testing.assert_allclose(net.travel_seconds("drive"), expected / (30 / 3.6), rtol=1e-12)


def test_highway_property_sets_class_and_speeds():
    net = Network.from_geojson(
        collection(
            line([[37.1, 36.2], [37.2, 36.2]], highway="footway", length_m=1000),
            line([[37.2, 36.2], [37.3, 36.2]], highway="primary_link", length_m=1000),
            line([[37.3, 36.2], [37.4, 36.2]], highway="motorway", length_m=1000, travel_min=2),
        )
    )
    by_class = {int(c): k for k, c in enumerate(net.road_class)}
    drive, walk = net.travel_seconds("drive"), net.travel_seconds("walk")
    assert np.isinf(drive[by_class[ROAD_CLASSES["footway"]]])
    assert walk[by_class[ROAD_CLASSES["footway"]]] == pytest.approx(800.0)
    assert drive[by_class[ROAD_CLASSES["primary"]]] == pytest.approx(1000 / (50 / 3.6))
    assert drive[by_class[ROAD_CLASSES["motorway"]]] == 120.0  # explicit travel_min wins


def test_unknown_mode_is_refused(small):
    with pytest.raises(ValueError, match="mode"):
        small.travel_seconds("fly")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        ({"type": "FeatureCollection"}, "features"),
        (collection(), "empty network"),
        (
            collection({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}),
            "feature 0.*LineString",
        ),
        (collection(line([[37.1, 36.2]])), "feature 0.*at least 2"),
        (
            collection(line([[37.1, 36.2], [37.2, 36.2]]), line([[37.1, 36.2], ["x", 36.2]])),
            "feature 1: coordinate 1",
        ),
        (collection(line([[37.1, 36.2], [237.2, 36.2]])), "feature 0: coordinate 1 out of range"),
        (collection(line([[37.1, 36.2], [37.2, 36.2]], length_m=-5)), "feature 0: length_m"),
        (collection(line([[37.1, 36.2], [37.2, 36.2]], travel_min="slow")), "feature 0: travel_min"),
        (
            collection(line([[37.1, 36.2], [37.2, 36.2]], capacity_ppm=float("nan"))),
            "feature 0: capacity_ppm",
        ),
        (collection(line([[37.1, 36.2], [37.2, 36.2]], oneway="yes")), "feature 0: oneway"),
        (collection(line([[37.1, 36.2], [37.2, 36.2]], highway=3)), "feature 0: highway"),
        (collection(["not a feature"]), "feature 0: not a GeoJSON Feature"),
    ],
)
def test_bad_geojson_is_refused_with_the_reason(data, message):
    with pytest.raises(NetworkInputError, match=message):
        Network.from_geojson(data)


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(NetworkInputError, match="cannot read"):
        Network.from_geojson(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(NetworkInputError, match="not valid JSON"):
        Network.from_geojson(bad)
    assert issubclass(NetworkInputError, ValueError)


# ------------------------------------------------------------------- arrays
def test_from_arrays_sorts_arcs_by_tail_and_keeps_attributes():
    net = Network.from_arrays(
        lon=[37.0, 37.1, 37.2],
        lat=[36.0, 36.0, 36.0],
        tail=[2, 0, 1, 0],
        head=[0, 1, 2, 2],
        length_m=[30.0, 10.0, 20.0, 40.0],
        travel_s={"walk": [3.0, 1.0, 2.0, 4.0], "drive": [0.3, 0.1, 0.2, np.inf]},
        capacity_ppm=[5.0, 1.0, 2.0, 4.0],
        road_class=[6, 6, 7, 2],
    )
    assert net.tail.tolist() == [0, 0, 1, 2] and net.head.tolist() == [1, 2, 2, 0]
    assert net.length_m.tolist() == [10.0, 40.0, 20.0, 30.0]
    assert net.travel_seconds("walk").tolist() == [1.0, 4.0, 2.0, 3.0]
    assert net.travel_seconds("drive").tolist() == [0.1, np.inf, 0.2, 0.3]
    assert net.capacity_ppm.tolist() == [1.0, 4.0, 2.0, 5.0]
    assert net.road_class.tolist() == [6, 2, 7, 6]
    assert net.indptr.tolist() == [0, 2, 3, 4]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lon": [], "lat": [], "tail": [], "head": [], "length_m": []}, "empty network"),
        ({"lon": [37.0], "lat": [36.0, 1.0], "tail": [], "head": [], "length_m": []}, "lat: expected 1"),
        (
            {"lon": [37.0, 37.1], "lat": [36.0, 36.0], "tail": [0], "head": [2], "length_m": [1.0]},
            "out of range",
        ),
        (
            {"lon": [37.0, 37.1], "lat": [36.0, 36.0], "tail": [0], "head": [1], "length_m": [-1.0]},
            "length_m",
        ),
        ({"lon": [37.0, np.nan], "lat": [36.0, 36.0], "tail": [0], "head": [1], "length_m": [1.0]}, "finite"),
        (
            {
                "lon": [37.0, 37.1],
                "lat": [36.0, 36.0],
                "tail": [0],
                "head": [1],
                "length_m": [1.0],
                "travel_s": [-2],
            },
            "travel_s",
        ),
        (
            {
                "lon": [37.0, 37.1],
                "lat": [36.0, 36.0],
                "tail": [0],
                "head": [1],
                "length_m": [1.0],
                "travel_s": {"bike": [1]},
            },
            "unknown mode",
        ),
    ],
)
def test_from_arrays_refuses_bad_input(kwargs, message):
    with pytest.raises(NetworkInputError, match=message):
        Network.from_arrays(**kwargs)


def test_grid_network_counts_and_travel_times():
    net = grid_network(3, 4, spacing_m=50.0, seed=None)
    assert net.n_nodes == 12 and net.n_arcs == 2 * (3 * 3 + 2 * 4)
    np.testing.assert_allclose(net.travel_seconds("walk"), 50.0 / WALK_SPEED_MPS)
    x, y = net.projected_xy()
    seg = np.hypot(x[net.head] - x[net.tail], y[net.head] - y[net.tail])
    np.testing.assert_allclose(seg, 50.0, rtol=2e-3)  # spacing really is 50 m on the ground
    rand = grid_network(3, 4, seed=1)
    ratio = rand.travel_seconds("walk") / (100.0 / WALK_SPEED_MPS)
    assert ratio.min() >= 1.0 and ratio.max() <= 3.0 and np.unique(ratio).shape[0] == rand.n_arcs
    with pytest.raises(NetworkInputError):
        grid_network(0, 3)


# ---------------------------------------------------------------------- OSM
def test_osm_pbf_import(osm_network):
    net = osm_network
    assert net.n_nodes == 1505 and net.n_arcs == 3302
    # Coordinates inside the extract's bounds (Helsinki test area).
    assert 26.93 <= net.lon.min() and net.lon.max() <= 26.97
    assert 60.52 <= net.lat.min() and net.lat.max() <= 60.54
    # Every arc has a reverse twin of equal length (ways give both directions).
    fwd = {(int(u), int(v)): float(w) for u, v, w in zip(net.tail, net.head, net.length_m, strict=True)}
    assert all(fwd[(v, u)] == w for (u, v), w in fwd.items())
    # Lengths agree with an independent spherical (haversine) formula to 0.5 %.
    lon1, lat1, lon2, lat2 = map(
        np.radians, (net.lon[net.tail], net.lat[net.tail], net.lon[net.head], net.lat[net.head])
    )
    hav = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    sphere = 2 * 6_371_008.8 * np.arcsin(np.sqrt(hav))
    np.testing.assert_allclose(net.length_m, sphere, rtol=5e-3)
    assert np.all(net.length_m > 0)


def test_osm_modes_close_arcs_by_class_and_oneway(osm_network):
    net = osm_network
    walk, drive = net.travel_seconds("walk"), net.travel_seconds("drive")
    for tag in ("footway", "cycleway", "path"):
        arcs = net.road_class == ROAD_CLASSES[tag]
        assert arcs.any() and np.all(np.isinf(drive[arcs])) and np.all(np.isfinite(walk[arcs]))
    motorway = net.road_class == ROAD_CLASSES["motorway"]
    assert motorway.any() and np.all(np.isinf(walk[motorway]))
    np.testing.assert_allclose(
        walk[~motorway & (net.road_class != 1)], net.length_m[~motorway & (net.road_class != 1)] / 1.25
    )
    # Motorways are one-way for driving: exactly one direction of each motorway segment is open.
    open_motorway = motorway & np.isfinite(drive)
    assert open_motorway.sum() * 2 == motorway.sum()
    residential = net.road_class == ROAD_CLASSES["residential"]
    np.testing.assert_allclose(
        drive[residential & np.isfinite(drive)], net.length_m[residential & np.isfinite(drive)] / (25 / 3.6)
    )


def test_osm_total_length_agrees_with_pyrosm(osm_network, osm_pbf):
    import pyrosm

    edges = pyrosm.OSM(str(osm_pbf)).get_network(network_type="all")
    ours = osm_network.length_m.sum() / 2  # each segment counted once
    assert ours == pytest.approx(float(edges["length"].sum()), rel=0.01)


def test_osm_unhappy_paths(tmp_path):
    import osmium

    with pytest.raises(NetworkInputError, match="no such file"):
        Network.from_osm_pbf(tmp_path / "missing.osm.pbf")
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"this is not a protocol buffer")
    with pytest.raises(NetworkInputError, match="cannot read OSM file"):
        Network.from_osm_pbf(junk)
    no_roads = tmp_path / "no_roads.osm.pbf"
    with osmium.SimpleWriter(str(no_roads)) as writer:
        writer.add_node(osmium.osm.mutable.Node(id=1, location=(37.1, 36.2), tags={"amenity": "hospital"}))
        writer.add_node(osmium.osm.mutable.Node(id=2, location=(37.2, 36.2)))
        writer.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2], tags={"waterway": "river"}))
    with pytest.raises(NetworkInputError, match="no usable roads"):
        Network.from_osm_pbf(no_roads)


def test_osm_way_with_missing_nodes_is_split(tmp_path):
    import osmium

    path = tmp_path / "clipped.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for i, lon in enumerate([37.100, 37.101, 37.103, 37.104], start=1):
            if i != 3:  # node 3 is outside the extract
                writer.add_node(osmium.osm.mutable.Node(id=i, location=(lon, 36.2)))
        writer.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2, 3, 4], tags={"highway": "residential"}))
    net = Network.from_osm_pbf(path)
    assert net.n_nodes == 3 and net.n_arcs == 2  # only 1-2 survives; 4 is isolated


# -------------------------------------------------------------------- cache
def test_save_and_load_round_trip(tmp_path, osm_network):
    path = tmp_path / "helsinki.npz"
    osm_network.save(path)
    loaded = Network.load(path)
    assert isinstance(loaded.head.base, np.memmap)  # memory-mapped, not read
    for name in ("lon", "lat", "tail", "head", "indptr", "length_m", "road_class", "capacity_ppm"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(osm_network, name))
    for mode in ("walk", "drive"):
        np.testing.assert_array_equal(loaded.travel_seconds(mode), osm_network.travel_seconds(mode))
    assert load_network(path).n_arcs == osm_network.n_arcs


def test_cache_keeps_labels_capacity_and_given_times(tmp_path, small, neighborhoods_path):
    small.save(tmp_path / "small.npz")
    back = Network.load(tmp_path / "small.npz")
    np.testing.assert_array_equal(back.capacity_ppm, small.capacity_ppm)
    np.testing.assert_array_equal(back.travel_seconds("drive"), small.travel_seconds("drive"))
    districts = district_graph(neighborhoods_path)
    districts.save(tmp_path / "d.npz")
    assert Network.load(tmp_path / "d.npz").node_labels == districts.node_labels


def test_load_refuses_foreign_and_broken_files(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    with pytest.raises(NetworkInputError, match="not a Safe Passage network cache"):
        Network.load(tmp_path / "other.npz")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(NetworkInputError, match="cannot read network cache"):
        Network.load(tmp_path / "broken.npz")
    with pytest.raises(NetworkInputError, match="cannot read network cache"):
        Network.load(tmp_path / "missing.npz")


def test_load_network_dispatch(tmp_path, small_roads_path, neighborhoods_path, osm_pbf):
    assert load_network(small_roads_path).n_arcs == 11
    assert load_network(osm_pbf).n_nodes == 1505
    assert load_network(neighborhoods_path).node_labels is not None  # polygons: district graph
    with pytest.raises(NetworkInputError, match="unknown network format"):
        (tmp_path / "roads.shp").write_bytes(b"")
        load_network(tmp_path / "roads.shp")
    with pytest.raises(NetworkInputError, match="no such file"):
        load_network(tmp_path / "nope.geojson")
    with pytest.raises(NetworkInputError, match="is a directory"):
        load_network(tmp_path)
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps(collection()), encoding="utf-8")
    with pytest.raises(NetworkInputError, match="empty network"):
        load_network(empty)


# ----------------------------------------------------------------- snapping
def test_nearest_node(small):
    assert small.nearest_node(37.1001, 36.2001) == A
    assert small.nearest_node(37.1029, 36.2000) == E
    assert small.nearest_nodes(np.array([37.101, 37.101]), np.array([36.2012, 36.1985])).tolist() == [B, C]
    with pytest.raises(ValueError, match="out of range"):
        small.nearest_node(200.0, 36.2)
    with pytest.raises(ValueError, match="finite"):
        small.nearest_node(math.nan, 36.2)


def test_nearest_node_open_to_a_mode(osm_network):
    drive = osm_network.travel_seconds("drive")
    drivable = np.unique(
        np.concatenate([osm_network.tail[np.isfinite(drive)], osm_network.head[np.isfinite(drive)]])
    )
    footway_only = np.setdiff1d(np.arange(osm_network.n_nodes), drivable)
    v = int(footway_only[0])
    lon, lat = float(osm_network.lon[v]), float(osm_network.lat[v])
    assert osm_network.nearest_node(lon, lat) == v
    snapped = osm_network.nearest_node(lon, lat, mode="drive")
    assert snapped in set(drivable.tolist())
    x, y = osm_network.projected_xy()
    d = np.hypot(x[drivable] - x[v], y[drivable] - y[v])
    assert d.min() == pytest.approx(float(np.hypot(x[snapped] - x[v], y[snapped] - y[v])))
    closed = Network.from_arrays(
        lon=[37.0, 37.1], lat=[36.0, 36.0], tail=[0], head=[1], length_m=[5.0], travel_s=[np.inf]
    )
    with pytest.raises(ValueError, match="no node of the network is open to 'drive'"):
        closed.nearest_node(37.0, 36.0, mode="drive")


def test_nearest_node_matches_brute_force_geodesic(osm_network):
    rng = np.random.default_rng(3)
    lon = rng.uniform(26.93, 26.97, 50)
    lat = rng.uniform(60.52, 60.54, 50)
    got = osm_network.nearest_nodes(lon, lat)
    for qlon, qlat, node in zip(lon, lat, got, strict=True):
        _, _, dist = GEOD.inv(
            np.full(osm_network.n_nodes, qlon),
            np.full(osm_network.n_nodes, qlat),
            osm_network.lon,
            osm_network.lat,
        )
        assert dist[node] <= dist.min() + 0.01  # within 1 cm of the true geodesic nearest


# ------------------------------------------------------------ district graph
def test_district_graph_of_aleppo_neighbourhoods(neighborhoods_path):
    net = district_graph(neighborhoods_path)
    data = json.loads(Path(neighborhoods_path).read_text(encoding="utf-8"))
    names = [f["properties"]["NAME"] for f in data["features"]]
    assert net.n_nodes == 133 and net.node_labels == names
    # Symmetric: each adjacency gives two arcs of equal length.
    arcs = {(int(u), int(v)): float(w) for u, v, w in zip(net.tail, net.head, net.length_m, strict=True)}
    assert all(arcs[(v, u)] == w for (u, v), w in arcs.items())
    # Node points lie inside their areas.
    polys = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    assert all(
        p.buffer(1e-9).contains(shapely.Point(x, y)) for p, x, y in zip(polys, net.lon, net.lat, strict=True)
    )
    # Adjacency agrees with a brute-force check of touching (or within 60 m) polygons.
    lon0, lat0 = float(net.lon.mean()), float(net.lat.mean())
    from pyproj import Transformer

    tr = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84", always_xy=True
    )
    metric = [
        shapely.transform(p, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))) for p in polys
    ]
    expected = {
        (i, j)
        for i in range(len(polys))
        for j in range(len(polys))
        if i != j and metric[i].distance(metric[j]) <= 59.0
    }
    got = set(arcs)
    assert expected <= got
    assert all(metric[i].distance(metric[j]) <= 61.0 for i, j in got)
    citadel = names.index("Aleppo Citadel")
    assert names.index("Souq al-Madina") in set(net.head[net.tail == citadel].tolist())


def test_district_graph_from_shapes_and_errors():
    square = shapely.box(37.10, 36.20, 37.11, 36.21)
    touching = shapely.box(37.11, 36.20, 37.12, 36.21)
    far = shapely.box(37.30, 36.20, 37.31, 36.21)
    net = district_graph([square, touching, far])
    assert net.n_nodes == 3 and net.n_arcs == 2
    assert sorted(zip(net.tail.tolist(), net.head.tolist(), strict=True)) == [(0, 1), (1, 0)]
    assert net.travel_seconds("walk")[0] == pytest.approx(net.length_m[0] / 1.25)
    with pytest.raises(NetworkInputError, match="empty network"):
        district_graph([])
    with pytest.raises(NetworkInputError, match="area 0"):
        district_graph([shapely.Point(37, 36)])
    with pytest.raises(NetworkInputError, match="feature 0: geometry must be a Polygon"):
        district_graph(collection(line([[37.1, 36.2], [37.2, 36.2]])))
    with pytest.raises(NetworkInputError, match="tolerance_m"):
        district_graph([square], tolerance_m=-1)
