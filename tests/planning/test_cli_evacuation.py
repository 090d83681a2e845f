"""`safepassage plan evacuation`: JSON contract, clean stdout, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from safepassage.planning.cli import main

DATA = Path(__file__).parent / "data"
ROADS = str(DATA / "small_roads.geojson")
ORIGINS = str(DATA / "evac_origins.geojson")
EXITS = str(DATA / "evac_exits.geojson")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["evacuation", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def points(
    tmp_path: Path, name: str, props: list[dict[str, Any]], coords: list[list[float]] | None = None
) -> str:
    coords = coords or [[37.1, 36.2]] * len(props)
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": c}}
            for p, c in zip(props, coords, strict=True)
        ],
    }
    path = tmp_path / name
    path.write_text(json.dumps(fc))
    return str(path)


def test_json_contract_and_known_optimum(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "8", "--json")
    assert code == 0
    payload = json.loads(out)  # stdout holds the JSON document only
    # exit E (node 4) is first reached at minute 3 (C-D 2 min, D-E 1 min); 12/min for minutes 3..8
    assert payload["evacuated"] == 72 == payload["upper_bound"]
    assert payload["optimal"] is True and payload["method"] == "exact"
    assert payload["gap"] is not None and 0.0 <= payload["gap"] <= 1.0
    assert sum(g["count"] for g in payload["schedule"]) == 72
    assert all(g["exit"] == 4 and g["arrive_min"] <= 8 for g in payload["schedule"])
    lsd = {row["id"]: row["minute"] for row in payload["latest_safe_departure"]}
    assert lsd == {"area-A": 5, "area-A2": 5, "area-C": 5}
    assert "timings_s" in payload
    assert "solving" in err  # progress on stderr


@pytest.mark.parametrize("gap", ["0", "0.01", "0.5"])
def test_gap_option_bounds_the_plan(capsys: pytest.CaptureFixture[str], gap: str) -> None:
    code, out, _ = run_cli(
        capsys, ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "8", "--gap", gap, "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["evacuated"] <= 72 <= payload["upper_bound"]
    assert payload["upper_bound"] - payload["evacuated"] <= float(gap) * payload["upper_bound"]
    assert payload["method"] == ("exact" if payload["optimal"] else "exact (within gap)")
    assert sum(g["count"] for g in payload["schedule"]) == payload["evacuated"]
    if gap == "0":
        assert payload["optimal"] is True and payload["evacuated"] == 72


@pytest.mark.parametrize("method", ["heuristic", "both"])
def test_other_methods(capsys: pytest.CaptureFixture[str], method: str) -> None:
    code, out, _ = run_cli(
        capsys, ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "8", "--method", method, "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["evacuated"] <= 72 <= payload["upper_bound"]
    assert payload["method"] == ("ccrp" if method == "heuristic" else "exact")


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "8")
    assert (
        code == 0 and "evacuated: 72 of 125" in out and "latest departure from origin area-C: minute 5" in out
    )


def test_subprocess_stdout_is_only_json() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from safepassage.planning.cli import main; sys.exit(main())"]
        + ["evacuation", ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "6", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(Path(__file__).parents[2] / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["evacuated"] == 48


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (
            lambda t: [str(t / "missing.geojson"), "--origins", ORIGINS, "--exits", EXITS, "--window", "5"],
            "no such file",
        ),
        (
            lambda t: [ROADS, "--origins", str(t / "nope.geojson"), "--exits", EXITS, "--window", "5"],
            "no such file",
        ),
        (
            lambda t: [ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "0"],
            "window must be positive",
        ),
        (
            lambda t: [ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "-3"],
            "window must be positive",
        ),
        (
            lambda t: [ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "5", "--gap", "1"],
            "--gap must be",
        ),
        (
            lambda t: [ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "5", "--gap", "-0.1"],
            "--gap must be",
        ),
        (
            lambda t: [
                ROADS,
                "--origins",
                points(t, "o.json", [{"people": -4}]),
                "--exits",
                EXITS,
                "--window",
                "5",
            ],
            "must not be negative",
        ),
        (
            lambda t: [
                ROADS,
                "--origins",
                points(t, "o.json", [{"people": 2.5}]),
                "--exits",
                EXITS,
                "--window",
                "5",
            ],
            "whole number",
        ),
        (
            lambda t: [
                ROADS,
                "--origins",
                points(t, "o.json", [{"persons": 3}]),
                "--exits",
                EXITS,
                "--window",
                "5",
            ],
            "missing property 'people'",
        ),
        (
            lambda t: [
                ROADS,
                "--origins",
                ORIGINS,
                "--exits",
                points(t, "x.json", [{"capacity_ppm": -1}]),
                "--window",
                "5",
            ],
            "must not be negative",
        ),
        (
            lambda t: (
                [ROADS, "--origins", points(t, "o.json", [{"people": 3, "node": 99}]), "--exits", EXITS]
                + ["--window", "5"]
            ),
            "unknown node 99",
        ),
        (
            lambda t: (
                [ROADS, "--origins", points(t, "o.json", [{"people": 3}], [[500.0, 0.0]]), "--exits", EXITS]
                + ["--window", "5"]
            ),
            "out of range",
        ),
        (
            lambda t: [ROADS, "--origins", points(t, "o.json", []), "--exits", EXITS, "--window", "5"],
            "no features",
        ),
        (
            lambda t: [ROADS, "--origins", ROADS, "--exits", EXITS, "--window", "5"],
            "geometry must be a Point",
        ),
        (lambda t: [ORIGINS, "--origins", ORIGINS, "--exits", EXITS, "--window", "5"], "LineString"),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_args: Any, message: str
) -> None:
    code, out, err = run_cli(capsys, *make_args(tmp_path))
    assert code == 2
    assert out == ""
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], err


def test_not_json_and_empty_network(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    code, out, err = run_cli(capsys, ROADS, "--origins", str(bad), "--exits", EXITS, "--window", "5")
    assert code == 2 and out == "" and "not valid JSON" in err
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    code, out, err = run_cli(capsys, str(empty), "--origins", ORIGINS, "--exits", EXITS, "--window", "5")
    assert code == 2 and out == "" and "error: empty network" in err


def test_window_must_be_whole_minutes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["evacuation", ROADS, "--origins", ORIGINS, "--exits", EXITS, "--window", "2.5"])
    assert exc.value.code == 2
    assert "whole number of minutes" in capsys.readouterr().err
