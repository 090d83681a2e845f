"""`safepassage plan route`: best and alternative routes between two points.

Usage::

    safepassage plan route NETWORK --from LON,LAT --to LON,LAT
        [--weight time|length|risk] [--mode walk|drive] [--hazards FILE]
        [--at ISO8601] [--alternatives K] [--json]

NETWORK is an OpenStreetMap extract (``.osm.pbf``), a GeoJSON file of road
lines (see :mod:`safepassage.planning.network`) or of area polygons (then a
district graph of adjacent areas is used), or a cache written by
``Network.save`` (``.npz``). Both endpoints snap to the nearest node with an arc open to the
mode (``--mode drive`` never starts on a footway).

``--weight time`` minimises travel seconds, ``length`` metres, ``risk`` travel
seconds times the hazard risk factor. Blocking hazards close arcs for every
weight.

The hazards FILE is a GeoJSON FeatureCollection of Point, LineString and
Polygon features (Multi* allowed) with these optional properties:

- ``id``: string or integer (default: the feature index);
- ``kind``: ``mine_uxo``, ``shelling_zone``, ``front_line``,
  ``incident_cluster`` or ``other``;
- ``severity``: ``low`` (risk factor 1.5), ``medium`` (3, default), ``high``
  (10), ``extreme`` (blocked);
- ``risk_factor``: number >= 1, overrides ``severity``;
- ``radius_m``: buffer in metres (default by kind for points and lines:
  mine_uxo 50, shelling_zone 300, front_line 150, incident_cluster 200,
  other 50; polygons 0);
- ``blocked``: ``true`` closes the arcs the footprint touches;
- ``valid_from`` / ``valid_to``: ISO 8601 with a time zone; the hazard
  applies only in that window when ``--at`` is given;
- ``half_life_h``: decay of the excess risk factor after ``valid_from``;
- ``status``: ``active`` (default), ``suspected``, or ``cleared`` (ignored).

Output with ``--json`` (the only thing written to stdout)::

    {"routes": [{"cost": ..., "length_m": ..., "duration_s": ...,
                 "exposure": [{"hazard_id", "kind", "risk_factor", "metres", "minutes"}],
                 "geometry": {"type": "LineString", "coordinates": [...]}, ...}],
     "source": {...}, "target": {...}, "weight": ..., "mode": ...}

Bad input (unreadable file, empty network, no path...) exits with status 2
and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from safepassage.planning.cli import PlanningInputError, emit_json, parse_lonlat, progress


def add_parser(subparsers: Any) -> None:
    """Register the ``route`` sub-command."""
    parser = subparsers.add_parser(
        "route",
        help="best and alternative routes between two points",
        description="Best (and alternative) routes between two points, with hazard exposure.",
    )
    parser.add_argument("network", help="road network: .osm.pbf, .geojson (lines or areas) or .npz cache")
    parser.add_argument("--from", dest="origin", required=True, type=parse_lonlat, metavar="LON,LAT")
    parser.add_argument("--to", dest="destination", required=True, type=parse_lonlat, metavar="LON,LAT")
    parser.add_argument("--weight", choices=("time", "length", "risk"), default="time")
    parser.add_argument("--mode", choices=("walk", "drive"), default="walk")
    parser.add_argument("--hazards", metavar="FILE", help="GeoJSON FeatureCollection of hazards")
    parser.add_argument("--at", metavar="ISO8601", help="evaluate hazards at this time (with a time zone)")
    parser.add_argument("--alternatives", type=int, default=1, metavar="K", help="number of diverse routes")
    parser.add_argument("--json", action="store_true", help="write the result as JSON on stdout")
    parser.set_defaults(handler=run)


def _parse_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PlanningInputError(f"--at is not an ISO 8601 timestamp: {text!r}") from exc
    if at.utcoffset() is None:
        raise PlanningInputError(f"--at needs a time zone (for example +00:00): {text!r}")
    return at


def run(args: argparse.Namespace) -> int:
    """Handle ``plan route``; returns the exit status."""
    from safepassage.planning.hazards import HazardInputError, HazardSet
    from safepassage.planning.network import NetworkInputError, load_network
    from safepassage.planning.routing import Router, RoutingError

    if args.alternatives < 1:
        raise PlanningInputError("--alternatives must be at least 1")
    at = _parse_at(args.at)
    try:
        network = load_network(args.network)
    except NetworkInputError as exc:
        raise PlanningInputError(str(exc)) from exc
    hazards = None
    if args.hazards:
        try:
            hazards = HazardSet.from_geojson(args.hazards)
        except HazardInputError as exc:
            raise PlanningInputError(f"{args.hazards}: {exc}") from exc
    progress(f"network: {network.n_nodes} nodes, {network.n_arcs} arcs")
    try:
        (o_lon, o_lat), (d_lon, d_lat) = args.origin, args.destination
        source = network.nearest_node(o_lon, o_lat, mode=args.mode)
        target = network.nearest_node(d_lon, d_lat, mode=args.mode)
    except ValueError as exc:
        raise PlanningInputError(str(exc)) from exc
    router = Router(network, mode=args.mode, hazards=hazards, at=at, landmarks=0)
    try:
        routes = router.alternatives(source, target, args.alternatives, args.weight)
    except RoutingError as exc:
        raise PlanningInputError(str(exc)) from exc

    def endpoint(node: int, asked: tuple[float, float]) -> dict[str, Any]:
        snapped = [float(network.lon[node]), float(network.lat[node])]
        out: dict[str, Any] = {"requested": list(asked), "node": node, "snapped": snapped}
        if network.node_labels is not None:
            out["label"] = network.node_labels[node]
        return out

    payload = {
        "weight": args.weight,
        "mode": args.mode,
        "source": endpoint(source, args.origin),
        "target": endpoint(target, args.destination),
        "routes": [r.to_dict() for r in routes],
    }
    if args.json:
        emit_json(payload)
        return 0
    unit = "m" if args.weight == "length" else "s"
    print(f"{len(routes)} route(s) from node {source} to node {target} ({args.weight}, {args.mode})")
    for i, r in enumerate(routes, start=1):
        line = (
            f"  {i}. cost {r.cost:.1f} {unit}: {r.length_m / 1000:.2f} km, {r.duration_s / 60:.1f} min, "
            f"{len(r.nodes)} nodes"
        )
        if r.exposure:
            parts = [f"{e['hazard_id']} {e['metres']:.0f} m/{e['minutes']:.1f} min" for e in r.exposure]
            line += "; inside hazards: " + ", ".join(parts)
        print(line)
    return 0
