"""Hazards: validation, time windows and decay, GeoJSON input, arc hits against a
brute-force shapely check, incremental overlay updates."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely

from safepassage.planning import Hazard as LazyHazard
from safepassage.planning import HazardSet as LazyHazardSet
from safepassage.planning.hazards import (
    DEFAULT_RADIUS_M,
    Hazard,
    HazardInputError,
    HazardOverlay,
    HazardSet,
)

A, B, D, C, E = 0, 1, 2, 3, 4
T0 = datetime(2016, 12, 1, 6, 0, tzinfo=UTC)


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(lon=37.1, lat=36.2):
    return {"type": "Point", "coordinates": [lon, lat]}


def test_lazy_exports():
    assert LazyHazard is Hazard and LazyHazardSet is HazardSet


# ----------------------------------------------------------------- factors
def test_factors_by_severity_risk_factor_and_blocking():
    p = shapely.Point(37.1, 36.2)
    assert Hazard("a", p).factor_at() == 3.0
    assert Hazard("a", p, severity="low").factor_at() == 1.5
    assert Hazard("a", p, severity="high").factor_at() == 10.0
    assert Hazard("a", p, severity="extreme").factor_at() == math.inf
    assert Hazard("a", p, severity="low", risk_factor=4.0).factor_at() == 4.0
    assert Hazard("a", p, risk_factor=4.0, blocked=True).factor_at() == math.inf
    assert Hazard("a", p, status="cleared", blocked=True).factor_at() == 1.0
    assert Hazard("a", p, status="suspected").factor_at() == 3.0


def test_time_window_and_decay():
    h = Hazard(
        "s",
        shapely.Point(37.1, 36.2),
        severity="high",
        valid_from=T0,
        valid_to=T0 + timedelta(hours=48),
        half_life_h=6.0,
    )
    assert h.factor_at(None) == 10.0  # no time given: full strength
    assert h.factor_at(T0 - timedelta(seconds=1)) == 1.0
    assert h.factor_at(T0) == 10.0
    assert h.factor_at(T0 + timedelta(hours=6)) == pytest.approx(5.5)  # excess 9 halves to 4.5
    assert h.factor_at(T0 + timedelta(hours=12)) == pytest.approx(3.25)
    assert h.factor_at(T0 + timedelta(hours=48)) == 1.0  # valid_to is exclusive
    blocked = Hazard("b", shapely.Point(37.1, 36.2), blocked=True, valid_from=T0, half_life_h=1.0)
    assert blocked.factor_at(T0 + timedelta(hours=100)) == math.inf  # a closure does not decay
    with pytest.raises(HazardInputError, match="timezone-aware"):
        h.factor_at(datetime(2016, 12, 1))  # noqa: DTZ001


def test_default_radius_by_kind():
    assert Hazard("m", shapely.Point(37.1, 36.2), kind="mine_uxo").buffer_m == DEFAULT_RADIUS_M["mine_uxo"]
    assert Hazard("f", shapely.LineString([(37.1, 36.2), (37.2, 36.2)]), kind="front_line").buffer_m == 150.0
    assert Hazard("z", shapely.box(37.1, 36.2, 37.2, 36.3), kind="shelling_zone").buffer_m == 0.0
    assert Hazard("z", shapely.box(37.1, 36.2, 37.2, 36.3), radius_m=25.0).buffer_m == 25.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"geometry": shapely.GeometryCollection()}, "geometry must be"),
        ({"geometry": shapely.Point()}, "empty"),
        ({"geometry": shapely.Point(200, 36)}, "out of range"),
        ({"kind": "airstrike"}, "kind must be one of"),
        ({"severity": "catastrophic"}, "severity must be one of"),
        ({"risk_factor": 0.5}, "risk_factor must be a number >= 1"),
        ({"risk_factor": math.nan}, "risk_factor"),
        ({"radius_m": -1.0}, "radius_m"),
        ({"half_life_h": 0.0, "valid_from": T0}, "half_life_h must be"),
        ({"half_life_h": 2.0}, "half_life_h needs valid_from"),
        ({"status": "unknown"}, "status must be one of"),
        ({"valid_from": datetime(2016, 12, 1)}, "timezone-aware"),  # noqa: DTZ001
        ({"valid_from": T0, "valid_to": T0}, "valid_to must be after valid_from"),
    ],
)
def test_hazard_validation(kwargs, message):
    args = {"id": "x", "geometry": shapely.Point(37.1, 36.2)} | kwargs
    with pytest.raises(HazardInputError, match=message):
        Hazard(**args)


# ----------------------------------------------------------------- GeoJSON
def test_hazard_file(small_hazards_path):
    hazards = HazardSet.from_geojson(small_hazards_path)
    assert len(hazards) == 2 and "shelling-B" in hazards and "uxo-old" in hazards
    zone = hazards["shelling-B"]
    assert zone.kind == "shelling_zone" and zone.factor_at() == 10.0
    assert hazards["uxo-old"].status == "cleared" and hazards["uxo-old"].factor_at() == 1.0
    assert [h.id for h in hazards] == ["shelling-B", "uxo-old"]
    removed = hazards.remove("uxo-old")
    assert removed.id == "uxo-old" and len(hazards) == 1


def test_feature_properties_are_read():
    data = {
        "type": "FeatureCollection",
        "features": [
            feature(
                point(),
                kind="incident_cluster",
                risk_factor=2.5,
                radius_m=80,
                valid_from="2016-12-01T06:00:00Z",
                valid_to="2016-12-02T06:00:00+00:00",
                half_life_h=12,
            ),
            {
                "type": "Feature",
                "id": 7,
                "properties": None,
                "geometry": {"type": "LineString", "coordinates": [[37.1, 36.2], [37.2, 36.2]]},
            },
        ],
    }
    hazards = HazardSet.from_geojson(data)
    first = hazards["0"]
    assert (first.kind, first.risk_factor, first.radius_m, first.half_life_h) == (
        "incident_cluster",
        2.5,
        80.0,
        12.0,
    )
    assert first.valid_from == T0 and first.valid_to == T0 + timedelta(days=1)
    assert hazards["7"].geometry.geom_type == "LineString" and hazards["7"].severity == "medium"


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([feature(point(), kind="airstrike")], "feature 0: kind must be one of"),
        (
            [feature(point()), feature(point(), risk_factor="high")],
            "feature 1: risk_factor must be a finite number",
        ),
        ([feature(point(), blocked="yes")], "feature 0: blocked must be true or false"),
        ([feature(point(), valid_from="yesterday")], "feature 0: valid_from is not an ISO 8601"),
        ([feature(point(), valid_to="2016-12-01T06:00:00")], "feature 0: valid_to needs a time zone"),
        ([feature(point(), valid_from=20161201)], "feature 0: valid_from must be an ISO 8601 string"),
        ([feature(None)], "feature 0: geometry is missing"),
        ([feature({"type": "Polygon", "coordinates": [[1, 2]]})], "feature 0: invalid geometry"),
        ([feature(point(), id="a"), feature(point(), id="a")], "feature 1: duplicate hazard id 'a'"),
        ([feature(point(), id=[1])], "feature 0: id must be"),
        ([feature(point(), kind=3)], "feature 0: kind must be a string"),
        (["x"], "feature 0: not a GeoJSON Feature"),
        (
            [{"type": "Feature", "properties": [1], "geometry": point()}],
            "feature 0: properties must be an object",
        ),
    ],
)
def test_bad_hazard_features(features, message):
    with pytest.raises(HazardInputError, match=message):
        HazardSet.from_geojson({"type": "FeatureCollection", "features": features})


def test_bad_hazard_files(tmp_path):
    with pytest.raises(HazardInputError, match="cannot read hazards file"):
        HazardSet.from_geojson(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("[", encoding="utf-8")
    with pytest.raises(HazardInputError, match="not valid JSON"):
        HazardSet.from_geojson(bad)
    bad.write_text(json.dumps({"type": "Feature"}), encoding="utf-8")
    with pytest.raises(HazardInputError, match="FeatureCollection"):
        HazardSet.from_geojson(bad)
    bad.write_text(json.dumps({"type": "FeatureCollection"}), encoding="utf-8")
    with pytest.raises(HazardInputError, match="features"):
        HazardSet.from_geojson(bad)
    assert len(HazardSet.from_geojson({"type": "FeatureCollection", "features": []})) == 0


# -------------------------------------------------------------- arc hits
def _brute_force_hits(network, hazard):
    """Arcs within the buffer of the geometry, by shapely on every arc (no index)."""
    tr = network.local_transformer()
    x, y = network.projected_xy()
    lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack([x[network.tail], y[network.tail]]),
                np.column_stack([x[network.head], y[network.head]]),
            ],
            axis=1,
        )
    )
    metric = shapely.transform(hazard.geometry, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    dist = shapely.distance(lines, metric)
    return dist, hazard.buffer_m


@pytest.mark.parametrize("shape", ["point", "line", "polygon", "multipolygon_with_hole"])
def test_arc_hits_equal_brute_force(osm_network, shape):
    rng = np.random.default_rng({"point": 1, "line": 2, "polygon": 3, "multipolygon_with_hole": 4}[shape])
    for _ in range(8):
        cx, cy = rng.uniform(26.935, 26.965), rng.uniform(60.522, 60.538)
        if shape == "point":
            geom, radius = shapely.Point(cx, cy), float(rng.uniform(20, 200))
        elif shape == "line":
            geom, radius = (
                shapely.LineString([(cx, cy), (cx + 0.004, cy + 0.001), (cx + 0.006, cy - 0.002)]),
                40.0,
            )
        elif shape == "polygon":
            geom, radius = shapely.box(cx, cy, cx + 0.005, cy + 0.002), float(rng.choice([0.0, 30.0]))
        else:
            outer = shapely.box(cx, cy, cx + 0.008, cy + 0.004)
            hole = shapely.box(cx + 0.002, cy + 0.001, cx + 0.006, cy + 0.003)
            geom = shapely.MultiPolygon(
                [outer.difference(hole), shapely.box(cx - 0.01, cy, cx - 0.008, cy + 0.002)]
            )
            radius = 0.0
        hazard = Hazard("h", geom, radius_m=radius)
        overlay = HazardOverlay(osm_network, [hazard])
        got = set(overlay.arcs_of("h").tolist())
        dist, r = _brute_force_hits(osm_network, hazard)
        surely_in = set(np.flatnonzero(dist <= r - 1e-6).tolist())
        surely_out = set(np.flatnonzero(dist > r + 1e-6).tolist())
        assert surely_in <= got and not (got & surely_out)
        assert np.all(overlay.factor[list(got)] == 3.0)
        assert np.count_nonzero(overlay.factor != 1.0) == len(got)


def test_overlay_combines_hazards_by_maximum_and_updates_incrementally(osm_network):
    p = shapely.Point(26.95, 60.53)
    low = Hazard("low", p, radius_m=300.0, severity="low")
    high = Hazard("high", p, radius_m=100.0, severity="high")
    overlay = HazardOverlay(osm_network, [low, high])
    in_low, in_high = overlay.arcs_of("low"), overlay.arcs_of("high")
    assert set(in_high.tolist()) < set(in_low.tolist())
    assert np.all(overlay.factor[in_high] == 10.0)
    only_low = np.setdiff1d(in_low, in_high)
    assert np.all(overlay.factor[only_low] == 1.5)
    touched = overlay.remove("high")
    np.testing.assert_array_equal(touched, in_high)
    assert np.all(overlay.factor[in_low] == 1.5)
    overlay.set(Hazard("low", p, radius_m=300.0, status="cleared"))
    assert np.all(overlay.factor == 1.0)
    with pytest.raises(KeyError):
        overlay.remove("high")
    assert overlay.nbytes() >= osm_network.n_arcs * 8


def test_overlay_time_changes(osm_network):
    h = Hazard(
        "t",
        shapely.Point(26.95, 60.53),
        radius_m=200.0,
        blocked=True,
        valid_from=T0,
        valid_to=T0 + timedelta(hours=2),
    )
    overlay = HazardOverlay(osm_network, [h], at=T0 - timedelta(hours=1))
    assert np.all(overlay.factor == 1.0)
    overlay.set_time(T0 + timedelta(minutes=30))
    assert np.isinf(overlay.factor[overlay.arcs_of("t")]).all()
    overlay.set_time(T0 + timedelta(hours=3))
    assert np.all(overlay.factor == 1.0)
    overlay.set_time(None)
    assert np.isinf(overlay.factor).sum() == overlay.arcs_of("t").shape[0]


def test_exposure_on_the_grid_matches_geometry():
    from safepassage.planning.network import grid_network
    from safepassage.planning.routing import Router

    net = grid_network(5, 11, spacing_m=100.0, seed=None)  # straight rows 100 m apart
    x, y = net.projected_xy()
    middle_row = 2 * 11
    lon, lat = float(net.lon[middle_row + 5]), float(net.lat[middle_row + 5])
    zone = Hazard("disc", shapely.Point(lon, lat), radius_m=250.0, severity="low")
    router = Router(net, hazards=[zone], landmarks=0)
    r = router.route(middle_row, middle_row + 10, "time")  # straight along the row through the centre
    assert r.nodes.tolist() == list(range(middle_row, middle_row + 11))
    exp = r.exposure[0]
    assert exp["metres"] == pytest.approx(500.0, rel=2e-3)  # a 250 m disc cut through its centre
    assert exp["minutes"] == pytest.approx(500.0 / 1.25 / 60.0, rel=2e-3)
