"""`safepassage plan route`: JSON contract, human summary, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from safepassage.planning import cli

ROOT = Path(__file__).resolve().parents[2]
# Node coordinates of data/small_roads.geojson.
A_AT, D_AT, E_AT = "37.1,36.2", "37.102,36.2", "37.103,36.2"


def run(capsys, *argv):
    status = cli.main(["route", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def test_route_json(capsys, small_roads_path):
    status, out, err = run(capsys, small_roads_path, "--from", "37.1001,36.2001", "--to", D_AT, "--json")
    assert status == 0
    payload = json.loads(out)
    assert payload["source"]["node"] == 0 and payload["target"]["node"] == 2
    assert payload["source"]["snapped"] == [37.1, 36.2]
    (route,) = payload["routes"]
    assert route["cost"] == 120.0 and route["length_m"] == 200.0 and route["duration_s"] == 120.0
    assert route["exposure"] == []
    assert route["geometry"] == {
        "type": "LineString",
        "coordinates": [[37.1, 36.2], [37.101, 36.201], [37.102, 36.2]],
    }
    assert "network: 5 nodes" in err  # progress goes to stderr


def test_route_by_length_costs_metres(capsys, small_roads_path):
    status, out, _ = run(
        capsys, small_roads_path, "--from", A_AT, "--to", D_AT, "--weight", "length", "--json"
    )
    assert status == 0
    assert json.loads(out)["routes"][0]["cost"] == 160.0


def test_route_with_hazards_and_alternatives(capsys, small_roads_path, small_hazards_path):
    status, out, _ = run(
        capsys, small_roads_path, "--from", A_AT, "--to", D_AT, "--hazards", small_hazards_path, "--json"
    )
    (route,) = json.loads(out)["routes"]
    assert status == 0 and route["cost"] == 120.0
    assert route["exposure"][0]["hazard_id"] == "shelling-B"
    assert route["exposure"][0]["metres"] == pytest.approx(40.0, rel=1e-3)
    status, out, _ = run(
        capsys,
        small_roads_path,
        "--from",
        A_AT,
        "--to",
        D_AT,
        "--hazards",
        small_hazards_path,
        "--weight",
        "risk",
        "--alternatives",
        "2",
        "--json",
    )
    routes = json.loads(out)["routes"]
    assert status == 0 and routes[0]["cost"] == 240.0 and routes[0]["exposure"] == []
    # The direct A-D edge (300 s, within 1.5 x 240 s, no shared arc) is the diverse alternative.
    assert [r["cost"] for r in routes] == [240.0, 300.0] and routes[1]["nodes"] == [0, 2]


def test_route_human_summary(capsys, small_roads_path, small_hazards_path):
    status, out, _ = run(
        capsys, small_roads_path, "--from", A_AT, "--to", D_AT, "--hazards", small_hazards_path
    )
    assert status == 0
    assert out.splitlines()[0] == "1 route(s) from node 0 to node 2 (time, walk)"
    assert "cost 120.0 s" in out and "shelling-B 40 m/0.4 min" in out


def test_route_on_district_graph(capsys, neighborhoods_path):
    status, out, _ = run(capsys, neighborhoods_path, "--from", "37.13,36.20", "--to", "37.19,36.22", "--json")
    payload = json.loads(out)
    assert (
        status == 0
        and payload["source"]["label"] == "al-Ansari"
        and payload["target"]["label"] == "as-Sakhour"
    )
    assert payload["routes"][0]["length_m"] > 0


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["{data}/missing.geojson", "--from", A_AT, "--to", D_AT], "no such file"),
        (["{tmp}/empty.geojson", "--from", A_AT, "--to", D_AT], "empty network"),
        (["{data}/small_roads.geojson", "--from", E_AT, "--to", A_AT], "no route from node 4 to node 0"),
        (
            ["{data}/small_roads.geojson", "--from", A_AT, "--to", D_AT, "--hazards", "{tmp}/nope.geojson"],
            "cannot read hazards file",
        ),
        (
            [
                "{data}/small_roads.geojson",
                "--from",
                A_AT,
                "--to",
                D_AT,
                "--hazards",
                "{tmp}/bad_hazards.geojson",
            ],
            "feature 0: kind must be one of",
        ),
        (
            ["{data}/small_roads.geojson", "--from", A_AT, "--to", D_AT, "--at", "tomorrow"],
            "--at is not an ISO 8601",
        ),
        (
            ["{data}/small_roads.geojson", "--from", A_AT, "--to", D_AT, "--at", "2016-12-01T06:00"],
            "--at needs a time zone",
        ),
        (
            ["{data}/small_roads.geojson", "--from", A_AT, "--to", D_AT, "--alternatives", "0"],
            "--alternatives must be at least 1",
        ),
        (["{tmp}/roads.shp", "--from", A_AT, "--to", D_AT], "unknown network format"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, data_dir, args, reason):
    (tmp_path / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    (tmp_path / "roads.shp").write_bytes(b"")
    (tmp_path / "bad_hazards.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"kind": "x"},
                        "geometry": {"type": "Point", "coordinates": [37.1, 36.2]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    argv = [a.format(data=data_dir, tmp=tmp_path) for a in args]
    status, out, err = run(capsys, *argv, "--json")
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ") and reason in lines[-1]


def test_bad_coordinates_are_refused_by_the_parser(capsys, small_roads_path):
    with pytest.raises(SystemExit) as exc:
        cli.main(["route", str(small_roads_path), "--from", "37.1", "--to", D_AT])
    assert exc.value.code == 2
    assert "expected LON,LAT" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["route", str(small_roads_path), "--from", "37.1,136.2", "--to", D_AT])
    assert "out of range" in capsys.readouterr().err


def _python_module(*argv):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "safepassage.planning.cli", *map(str, argv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_subprocess_json_stdout_is_only_json(small_roads_path, small_hazards_path):
    proc = _python_module(
        "route",
        small_roads_path,
        "--from",
        A_AT,
        "--to",
        E_AT,
        "--hazards",
        small_hazards_path,
        "--weight",
        "risk",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)  # nothing but one JSON document on stdout
    assert payload["routes"][0]["cost"] == 300.0  # A-C-D (240 s) then D-E (60 s)
    assert proc.stdout.count("\n") == 1


def test_subprocess_error_is_one_line(small_roads_path):
    proc = _python_module("route", small_roads_path, "--from", E_AT, "--to", A_AT, "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1].startswith("error: no route from node 4 to node 0")


def test_route_on_real_osm_data_matches_the_library(capsys, osm_pbf, osm_network):
    from safepassage.planning.routing import Router

    status, out, _ = run(
        capsys, osm_pbf, "--from", "26.940,60.525", "--to", "26.960,60.535", "--mode", "drive", "--json"
    )
    assert status == 0
    payload = json.loads(out)
    s, t = payload["source"]["node"], payload["target"]["node"]
    snap = (
        osm_network.nearest_node(26.940, 60.525, "drive"),
        osm_network.nearest_node(26.960, 60.535, "drive"),
    )
    assert (s, t) == snap
    drive = osm_network.travel_seconds("drive")
    assert np.isfinite(drive[osm_network.tail == s]).any()  # snapped to a drivable node
    assert payload["routes"][0]["cost"] == Router(osm_network, mode="drive").route(s, t).cost
    assert payload["routes"][0]["geometry"]["coordinates"][0] == payload["source"]["snapped"]
