"""`safepassage plan evacuation`: how many people can be out by the end of a pause.

Usage::

    safepassage plan evacuation NETWORK --origins FILE --exits FILE --window MINUTES
        [--method exact|heuristic|both] [--gap FRACTION] [--time-limit SECONDS] [--json]

NETWORK is read by :func:`safepassage.planning.network.load_network`.
``--origins`` is a GeoJSON FeatureCollection of Point features with property
``people`` (whole number >= 0); ``--exits`` of Point features with property
``capacity_ppm`` (persons per minute >= 0). Each point snaps to the nearest
node, or to the node index given in an optional ``node`` property; points on
the same node add up. Walking times are rounded up to whole minutes (at least 1).

Output with ``--json`` (the only thing written to stdout)::

    {"evacuated": int, "upper_bound": int, "optimal": bool,
     "method": "exact"|"exact (within gap)"|"ccrp",
     "gap": float|null, "heuristic_evacuated": int|null,
     "latest_safe_departure": [{"origin": i, "id": ..., "node": n, "minute": m|null}],
     "timings_s": {...},
     "schedule": [{"origin": node, "count", "depart_min", "arrive_min", "exit": node,
                   "path": [nodes], "arcs": [arc ids], "enter_min": [minutes]}]}

``evacuated == upper_bound`` means the plan is proven optimal. The exact solver
stops once ``evacuated >= (1 - gap) * upper_bound`` for a proven upper bound
(``--gap``, default 0.01; ``--gap 0`` always proves optimality); it then reports
``"method": "exact (within gap)"``. With ``--method exact`` (the default) the
CCRP heuristic runs too and its gap to the exact plan is reported. Bad input
exits with status 2 and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from safepassage.planning.cli import PlanningInputError, emit_json, progress


def add_parser(subparsers: Any) -> None:
    """Register the ``evacuation`` sub-command."""
    parser = subparsers.add_parser(
        "evacuation",
        help="maximum number of people out by the end of a pause, with a schedule",
        description="Evacuation capacity of a pause: exact time-expanded maximum flow and the CCRP heuristic.",
    )
    parser.add_argument("network", help="road network: .osm.pbf, .geojson or .npz cache")
    parser.add_argument("--origins", required=True, metavar="FILE", help="GeoJSON Points with 'people'")
    parser.add_argument("--exits", required=True, metavar="FILE", help="GeoJSON Points with 'capacity_ppm'")
    parser.add_argument("--window", required=True, type=_minutes, metavar="MINUTES", help="pause length")
    parser.add_argument("--method", choices=("exact", "heuristic", "both"), default="exact")
    parser.add_argument(
        "--gap",
        type=float,
        default=0.01,
        metavar="FRACTION",
        help="accept an exact plan proven within this relative gap of the optimum (default 0.01; 0: optimal)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=None, metavar="SECONDS", help="cap on the exact solver"
    )
    parser.add_argument("--json", action="store_true", help="write the result as JSON on stdout")
    parser.set_defaults(handler=run)


def _minutes(text: str) -> int:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"window must be a number of minutes, got {text!r}") from exc
    if not math.isfinite(value) or not value.is_integer():
        raise argparse.ArgumentTypeError(f"window must be a whole number of minutes, got {text!r}")
    return int(value)


def read_points(path: str, prop: str | None, *, what: str, default: float | None = None) -> dict[str, Any]:
    """Read a GeoJSON FeatureCollection of Points and one numeric property.

    Returns ``lon``, ``lat``, ``value`` (float arrays), ``node`` (int array, -1
    where no ``node`` property) and ``props`` (list of property dicts). Raises
    :class:`PlanningInputError` with the file and feature on any problem.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PlanningInputError(f"cannot read {what} file {path!r}: no such file") from exc
    except IsADirectoryError as exc:
        raise PlanningInputError(f"cannot read {what} file {path!r}: is a directory") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanningInputError(f"cannot read {what} file {path!r}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanningInputError(f"{what} file {path!r} is not valid JSON: {exc}") from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise PlanningInputError(f"{what} file {path!r} is not a GeoJSON FeatureCollection")
    features = data["features"]
    if not features:
        raise PlanningInputError(f"{what} file {path!r} has no features")
    lon, lat, value, node, props = [], [], [], [], []
    for i, feat in enumerate(features):
        where = f"{what} feature {i}"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise PlanningInputError(f"{where}: not a GeoJSON Feature")
        geom = feat.get("geometry")
        if not isinstance(geom, dict) or geom.get("type") != "Point":
            raise PlanningInputError(f"{where}: geometry must be a Point")
        coords = geom.get("coordinates")
        if (
            not isinstance(coords, list)
            or len(coords) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
        ):
            raise PlanningInputError(f"{where}: coordinates must be [lon, lat]")
        x, y = float(coords[0]), float(coords[1])
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise PlanningInputError(f"{where}: coordinates out of range")
        pr = feat.get("properties") or {}
        if not isinstance(pr, dict):
            raise PlanningInputError(f"{where}: properties must be an object")
        v = float("nan")
        if prop is not None:
            raw = pr.get(prop, default)
            if raw is None:
                raise PlanningInputError(f"{where}: missing property {prop!r}")
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise PlanningInputError(f"{where}: {prop} must be a number, got {raw!r}")
            v = float(raw)
            if math.isnan(v) or v < 0:
                raise PlanningInputError(f"{where}: {prop} must not be negative, got {raw!r}")
        nd = pr.get("node")
        if nd is not None and (isinstance(nd, bool) or not isinstance(nd, int)):
            raise PlanningInputError(f"{where}: node must be an integer node index, got {nd!r}")
        lon.append(x)
        lat.append(y)
        value.append(v)
        node.append(-1 if nd is None else int(nd))
        props.append(pr)
    return {
        "lon": np.array(lon),
        "lat": np.array(lat),
        "value": np.array(value),
        "node": np.array(node, dtype=np.int64),
        "props": props,
    }


def snap(network: Any, pts: dict[str, Any], *, what: str) -> np.ndarray:
    """Node of each point: its ``node`` property if given (checked), else the nearest node."""
    n = int(network.n_nodes)
    nodes = np.asarray(pts["node"], dtype=np.int64).copy()
    bad = (nodes >= n) | (nodes < -1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanningInputError(f"{what} feature {i}: unknown node {int(nodes[i])} (network has {n} nodes)")
    free = nodes < 0
    if free.any():
        nodes[free] = np.asarray(network.nearest_nodes(pts["lon"][free], pts["lat"][free]), dtype=np.int64)
    return nodes


def load_network_or_fail(path: str) -> Any:
    """Load NETWORK with the network module; any refusal becomes a one-line input error."""
    from safepassage.planning.network import load_network

    try:
        network = load_network(path)
    except ValueError as exc:
        raise PlanningInputError(str(exc)) from exc
    if int(network.n_nodes) == 0 or int(network.n_arcs) == 0:
        raise PlanningInputError(f"network {path!r} is empty")
    return network


def run(args: argparse.Namespace) -> int:
    """Handle ``safepassage plan evacuation``."""
    from safepassage.planning.evacuation import EvacuationProblem, evacuate

    if args.window <= 0:
        raise PlanningInputError(f"window must be positive, got {args.window}")
    if args.time_limit is not None and not (args.time_limit > 0):
        raise PlanningInputError("--time-limit must be positive")
    if not (0.0 <= args.gap < 1.0):
        raise PlanningInputError(f"--gap must be at least 0 and below 1, got {args.gap}")
    origins = read_points(args.origins, "people", what="origins")
    if (origins["value"] != np.floor(origins["value"])).any():
        i = int(np.flatnonzero(origins["value"] != np.floor(origins["value"]))[0])
        raise PlanningInputError(f"origins feature {i}: people must be a whole number")
    exits = read_points(args.exits, "capacity_ppm", what="exits")
    progress(f"loading network {args.network}")
    network = load_network_or_fail(args.network)
    o_nodes = snap(network, origins, what="origins")
    x_nodes = snap(network, exits, what="exits")
    n = int(network.n_nodes)
    supply = np.zeros(n)
    np.add.at(supply, o_nodes, origins["value"])
    exit_cap = np.zeros(n)
    np.add.at(exit_cap, x_nodes, exits["value"])
    travel = np.maximum(np.ceil(np.asarray(network.travel_seconds("walk"), dtype=np.float64) / 60.0), 1.0)
    try:
        problem = EvacuationProblem(
            n,
            network.tail,
            network.head,
            travel,
            network.capacity_ppm,
            supply,
            exit_cap,
            args.window,
            origin_nodes=[int(v) for v in o_nodes],
        )
    except ValueError as exc:
        raise PlanningInputError(str(exc)) from exc
    progress(
        f"{problem.total_people} people at {len(set(o_nodes.tolist()))} nodes, "
        f"{len(set(x_nodes.tolist()))} exits, window {args.window} min; solving ({args.method})"
    )
    method = "both" if args.method == "exact" else args.method
    result = evacuate(problem, method, time_limit_s=args.time_limit, rel_gap=args.gap)
    progress(f"done: {result.evacuated} out, upper bound {result.upper_bound}")
    payload = result.to_dict()
    de = problem.time_to_exit()
    payload["latest_safe_departure"] = [
        {
            "origin": i,
            "id": origins["props"][i].get("id"),
            "node": int(v),
            "minute": int(args.window - de[v]) if de[v] <= args.window else None,
        }
        for i, v in enumerate(o_nodes.tolist())
    ]
    if args.json:
        emit_json(payload)
    else:
        print(f"evacuated: {result.evacuated} of {problem.total_people}")
        status = "optimal" if result.optimal else "not proven optimal"
        if not result.optimal and result.upper_bound:
            status += f", within {100 * (result.upper_bound - result.evacuated) / result.upper_bound:.2f}%"
        print(f"upper bound: {result.upper_bound} ({status})")
        if result.gap is not None:
            print(f"heuristic (CCRP): {result.heuristic_evacuated} (gap {100 * result.gap:.2f}%)")
        print(f"groups in the schedule: {result.n_groups}")
        for row in payload["latest_safe_departure"]:
            label = row["id"] if row["id"] is not None else row["origin"]
            minute = "no exit reachable" if row["minute"] is None else f"minute {row['minute']}"
            print(f"latest departure from origin {label}: {minute}")
    return 0
