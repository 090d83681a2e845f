"""`safepassage plan siting`: JSON contract, known optimal sites, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safepassage.planning.cli import main

DATA = Path(__file__).parent / "data"
ROADS = str(DATA / "small_roads.geojson")
DEMAND = str(DATA / "siting_demand.geojson")
CANDS = str(DATA / "siting_candidates.geojson")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["siting", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mclp_great_circle(capsys: pytest.CaptureFixture[str]) -> None:
    # mosque-B is within 143 m of the points of weight 50, 30 and 20
    code, out, err = run_cli(
        capsys, "--demand", DEMAND, "--candidates", CANDS, "--k", "1", "--radius-m", "150", "--json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["sites"] == ["mosque-B"] and payload["covered"] == 100.0 and payload["optimal"] is True
    assert payload["objective"] == 100.0 and payload["total_weight"] == 115.0


def test_mclp_two_sites_cover_all(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "--demand", DEMAND, "--candidates", CANDS, "--k", "2", "--radius-m", "150", "--json"
    )
    payload = json.loads(out)
    assert code == 0 and payload["covered"] == 115.0 and len(payload["sites"]) == 2


def test_pmedian_on_network(capsys: pytest.CaptureFixture[str]) -> None:
    # walking metres: from E only hall-E (on E itself) is reachable, D->E being one-way
    code, out, err = run_cli(
        capsys, "--demand", DEMAND, "--candidates", CANDS, "--k", "2", "--radius-m", "150", "--network", ROADS,
        "--objective", "pmedian", "--json",
    )  # fmt: skip
    assert code == 0, err
    # hall-E must be open and also serves D (20 x 50 m); the other site serves A (50), B (30), C (5):
    # school-A: 0 + 30*100 + 5*80 = 3400; mosque-B: 50*100 + 0 + 5*180 = 5900
    payload = json.loads(out)
    assert sorted(payload["sites"]) == ["hall-E", "school-A"] and payload["objective"] == pytest.approx(
        3400.0 + 1000.0
    )
    code, out, _ = run_cli(
        capsys,
        "--demand",
        DEMAND,
        "--candidates",
        CANDS,
        "--k",
        "1",
        "--radius-m",
        "150",
        "--network",
        ROADS,
        "--json",
    )
    assert code == 0 and json.loads(out)["sites"] == ["mosque-B"]


def test_pmedian_great_circle_and_capacitated(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "--demand", DEMAND, "--candidates", CANDS, "--k", "1", "--radius-m", "150", "--objective", "pmedian",
        "--json",
    )  # fmt: skip
    # school-A: 30*143 + 20*179 + 10*269 + 5*143 = 11275 m beats mosque-B (13230 m)
    assert code == 0 and json.loads(out)["sites"] == ["school-A"]
    code, out, _ = run_cli(
        capsys, "--demand", DEMAND, "--candidates", CANDS, "--k", "2", "--radius-m", "150", "--capacitated",
        "--json",
    )  # fmt: skip
    payload = json.loads(out)
    assert code == 0 and payload["covered"] <= 115.0 and payload["model"] == "mclp-capacitated"


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--demand", DEMAND, "--candidates", CANDS, "--k", "1", "--radius-m", "150")
    assert code == 0 and "sites: mosque-B" in out and "covered: 100 of 115" in out


def write_points(tmp_path: Path, props: list[dict[str, Any]]) -> str:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": [37.1, 36.2]}}
            for p in props
        ],
    }
    path = tmp_path / "pts.geojson"
    path.write_text(json.dumps(fc))
    return str(path)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (
            lambda t: ["--demand", DEMAND, "--candidates", CANDS, "--k", "5", "--radius-m", "10"],
            "exceeds the number",
        ),
        (lambda t: ["--demand", DEMAND, "--candidates", CANDS, "--k", "0", "--radius-m", "10"], "at least 1"),
        (
            lambda t: ["--demand", DEMAND, "--candidates", CANDS, "--k", "1", "--radius-m", "-1"],
            "non-negative",
        ),
        (
            lambda t: ["--demand", str(t / "no.json"), "--candidates", CANDS, "--k", "1", "--radius-m", "1"],
            "no such file",
        ),
        (
            lambda t: [
                "--demand",
                write_points(t, [{"weight": -2}]),
                "--candidates",
                CANDS,
                "--k",
                "1",
                "--radius-m",
                "1",
            ],
            "must not be negative",
        ),
        (
            lambda t: (
                ["--demand", write_points(t, [{"weight": "many"}]), "--candidates", CANDS, "--k", "1"]
                + ["--radius-m", "1"]
            ),
            "must be a number",
        ),
        (
            lambda t: (
                ["--demand", DEMAND, "--candidates", write_points(t, [{"id": "a"}, {"id": "a"}]), "--k", "1"]
                + ["--radius-m", "1"]
            ),
            "unique",
        ),
        (
            lambda t: (
                [
                    "--demand",
                    DEMAND,
                    "--candidates",
                    write_points(t, [{"id": "a"}]),
                    "--k",
                    "1",
                    "--radius-m",
                    "1",
                ]
                + ["--capacitated"]
            ),
            "missing property 'capacity'",
        ),
        (
            lambda t: (
                ["--demand", DEMAND, "--candidates", CANDS, "--k", "1", "--radius-m", "1", "--network"]
                + [str(t / "none.geojson")]
            ),
            "no such file",
        ),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_args: Any, message: str
) -> None:
    code, out, err = run_cli(capsys, *make_args(tmp_path))
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], err


def test_subprocess_stdout_is_only_json_despite_highs_banner() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from safepassage.planning.cli import main; sys.exit(main())"]
        + ["siting", "--demand", DEMAND, "--candidates", CANDS, "--k", "2", "--radius-m", "150"]
        + ["--objective", "pmedian", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(Path(__file__).parents[2] / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)  # fails if the HiGHS banner leaked onto stdout
    # A and B: D->B 20*143 + E->B 10*211 + C->A 5*143 (great-circle metres, rounded) is the least
    assert sorted(payload["sites"]) == ["mosque-B", "school-A"] and payload["optimal"] is True
    assert "HiGHS" not in proc.stdout
