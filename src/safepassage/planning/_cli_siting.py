"""`safepassage plan siting`: where to put k meal stations or first-aid points.

Usage::

    safepassage plan siting --demand FILE --candidates FILE --k K --radius-m R
        [--network NETWORK] [--objective mclp|pmedian] [--capacitated]
        [--time-limit SECONDS] [--json]

``--demand``: GeoJSON Point features with property ``weight`` (people, >= 0;
1 when absent). ``--candidates``: Point features with property ``id`` (the
feature index when absent) and, for ``--capacitated``, ``capacity`` (people a
site can serve). Without ``--network`` the distance is the great-circle
distance; with it, the shortest walking distance on the network between the
nearest nodes.

``mclp`` (default) maximises the demand within R metres of a chosen site;
``pmedian`` minimises the total weighted distance (R then only counts the
demand covered). Output with ``--json``::

    {"sites": [ids], "covered": float, "objective": float, "optimal": bool,
     "bound": float, "model": str, "total_weight": float, "timings_s": {...}}
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from safepassage.planning._cli_evacuation import load_network_or_fail, read_points
from safepassage.planning.cli import PlanningInputError, emit_json, progress


def add_parser(subparsers: Any) -> None:
    """Register the ``siting`` sub-command."""
    parser = subparsers.add_parser(
        "siting",
        help="where to put k service points (maximal covering or p-median)",
        description="Exact siting of k service points with HiGHS: MCLP or p-median.",
    )
    parser.add_argument("--demand", required=True, metavar="FILE", help="GeoJSON Points with 'weight'")
    parser.add_argument("--candidates", required=True, metavar="FILE", help="GeoJSON Points with 'id'")
    parser.add_argument("--k", required=True, type=int, metavar="K", help="number of sites to open")
    parser.add_argument(
        "--radius-m", required=True, type=float, metavar="R", help="coverage radius in metres"
    )
    parser.add_argument(
        "--network", metavar="NETWORK", help="walk on this road network instead of great circles"
    )
    parser.add_argument("--objective", choices=("mclp", "pmedian"), default="mclp")
    parser.add_argument("--capacitated", action="store_true", help="respect the candidates' 'capacity'")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--json", action="store_true", help="write the result as JSON on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``safepassage plan siting``."""
    from safepassage.planning.siting import SitingProblem, solve_mclp, solve_pmedian

    if not math.isfinite(args.radius_m) or args.radius_m < 0:
        raise PlanningInputError(f"--radius-m must be a non-negative number, got {args.radius_m}")
    if args.k < 1:
        raise PlanningInputError(f"--k must be at least 1, got {args.k}")
    if args.time_limit is not None and not (args.time_limit > 0):
        raise PlanningInputError("--time-limit must be positive")
    demand = read_points(args.demand, "weight", what="demand", default=1.0)
    cands = read_points(args.candidates, "capacity" if args.capacitated else None, what="candidates")
    ids: list[Any] = []
    for i, pr in enumerate(cands["props"]):
        cid = pr.get("id", i)
        if isinstance(cid, bool) or not isinstance(cid, str | int):
            raise PlanningInputError(f"candidates feature {i}: id must be a string or an integer")
        ids.append(cid)
    if len(set(map(str, ids))) != len(ids):
        raise PlanningInputError("candidate ids must be unique")
    if args.k > len(ids):
        raise PlanningInputError(f"--k ({args.k}) exceeds the number of candidates ({len(ids)})")
    network = None
    if args.network:
        progress(f"loading network {args.network}")
        network = load_network_or_fail(args.network)
    progress(f"{len(demand['lon'])} demand points, {len(ids)} candidates; building costs")
    try:
        problem = SitingProblem.from_points(
            demand["lon"],
            demand["lat"],
            cands["lon"],
            cands["lat"],
            demand["value"],
            ids,
            network=network,
            capacity=cands["value"] if args.capacitated else None,
        )
        progress(f"solving {args.objective} with HiGHS")
        if args.objective == "mclp":
            result = solve_mclp(
                problem, args.k, args.radius_m, capacitated=args.capacitated, time_limit_s=args.time_limit
            )
        else:
            result = solve_pmedian(
                problem,
                args.k,
                radius=args.radius_m,
                capacitated=args.capacitated,
                time_limit_s=args.time_limit,
            )
    except ValueError as exc:
        raise PlanningInputError(str(exc)) from exc
    payload = result.to_dict()
    payload["total_weight"] = float(np.sum(problem.weights))
    if args.json:
        emit_json(payload)
    else:
        print(f"sites: {', '.join(map(str, result.sites))}")
        print(f"covered: {result.covered:g} of {payload['total_weight']:g}")
        print(f"objective: {result.objective:g} ({'optimal' if result.optimal else 'not proven optimal'})")
    return 0
