"""Run plans on the product's data and keep each run; turn a proposed route into a corridor."""

from __future__ import annotations

import hashlib
import json
import time as clock
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction

from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotFound, StateConflict
from safepassage.core.timeutil import now
from safepassage.corridors import services as corridor_services
from safepassage.corridors.models import Corridor
from safepassage.planning.evacuation import EvacuationProblem, evacuate
from safepassage.planning.hazards import HazardSet
from safepassage.planning.routing import NoRouteError, alternative_routes
from safepassage.planning.siting import SitingProblem, solve_mclp, solve_pmedian
from safepassage.plans.models import PlanKind, PlanRun
from safepassage.plans.networks import current_network


def _hazards(geojson: dict | None) -> tuple[HazardSet | None, str]:
    if not geojson or not geojson.get("features"):
        return None, ""
    digest = hashlib.sha256(json.dumps(geojson, sort_keys=True).encode()).hexdigest()
    try:
        return HazardSet.from_geojson(geojson), digest
    except ValueError as exc:
        raise InvalidInput(str(exc), field="hazards") from exc


@transaction.atomic
def _store(*, kind: str, inputs: dict, network: str, hazards_version: str, result: dict | None, error: str,
           timings: dict, by) -> PlanRun:
    run = PlanRun.objects.create(kind=kind, inputs=inputs, network=network, hazards_version=hazards_version,
                                 status="failed" if error else "ok", error=error, result=result, timings=timings,
                                 created_by=getattr(by, "user", by), created_at=now())
    record(actor=by, action="plan.run_recorded", obj=run,
           after={"kind": kind, "status": run.status, "network": network, "hazards_version": hazards_version})
    return run


def _run(kind: str, inputs: dict, hazards_version: str, compute: Callable[[Any], dict], by) -> PlanRun:
    """Compute on the current network; a refused input is stored as a failed run and re-raised."""
    t0 = clock.perf_counter()
    net = current_network()
    t_net = clock.perf_counter() - t0
    try:
        result = compute(net)
    except (ValueError, NoRouteError) as exc:
        _store(kind=kind, inputs=inputs, network=net.label, hazards_version=hazards_version, result=None,
               error=str(exc), timings={"network_s": t_net}, by=by)
        raise InvalidInput(str(exc), field=kind) from exc
    timings = {"network_s": round(t_net, 6), "total_s": round(clock.perf_counter() - t0, 6)}
    return _store(kind=kind, inputs=inputs, network=net.label, hazards_version=hazards_version, result=result,
                  error="", timings=timings, by=by)


def run_route(*, origin: tuple[float, float], destination: tuple[float, float], weight: str = "risk",
              mode: str = "walk", alternatives: int = 1, hazards: dict | None = None, at: datetime | None = None,
              by) -> PlanRun:
    """Safest (or fastest, shortest) routes between two points, with exposure to each hazard."""
    hazard_set, hz_version = _hazards(hazards)
    inputs = {"origin": list(origin), "destination": list(destination), "weight": weight, "mode": mode,
              "alternatives": alternatives, "hazards": hazards, "at": at.isoformat() if at else None}

    def compute(net) -> dict:
        s = net.network.nearest_node(*origin)
        t = net.network.nearest_node(*destination)
        if s == t:
            raise ValueError("start and end snap to the same place on the network; choose points further apart")
        routes = alternative_routes(net.network, s, t, alternatives, weight=weight, hazards=hazard_set, mode=mode,
                                    at=at)
        return {"routes": [{k: v for k, v in r.to_dict().items() if k != "nodes"} for r in routes],
                "snapped": {"from": [float(net.network.lon[s]), float(net.network.lat[s])],
                            "to": [float(net.network.lon[t]), float(net.network.lat[t])]}}

    return _run(PlanKind.ROUTE, inputs, hz_version, compute, by)


def run_evacuation(*, origins: list[tuple[float, float, int]], exits: list[tuple[float, float, float]],
                   window_min: int, method: str = "both", by) -> PlanRun:
    """How many people can be out by the end of a pause, who leaves when and by which route."""
    inputs = {"origins": [list(o) for o in origins], "exits": [list(x) for x in exits], "window_min": window_min,
              "method": method}

    def compute(net) -> dict:
        problem = EvacuationProblem.from_network(net.network, origins, exits, window_min)
        result = evacuate(problem, method).to_dict()
        lon, lat = net.network.lon, net.network.lat
        for group in result["schedule"]:
            group["geometry"] = {"type": "LineString",
                                 "coordinates": [[float(lon[n]), float(lat[n])] for n in group["path"]]}
        return result

    return _run(PlanKind.EVACUATION, inputs, "", compute, by)


def run_siting(*, demand: list[tuple[float, float, float]], candidates: list[tuple[float, float, str]], k: int,
               radius_m: float | None, objective: str = "mclp", use_network: bool = False, by) -> PlanRun:
    """Where to put k meal stations or first-aid points (exact, HiGHS)."""
    inputs = {"demand": [list(d) for d in demand], "candidates": [list(c) for c in candidates], "k": k,
              "radius_m": radius_m, "objective": objective, "use_network": use_network}

    def compute(net) -> dict:
        d = np.asarray([x[:2] for x in demand], dtype=float).reshape(-1, 2)
        c = np.asarray([x[:2] for x in candidates], dtype=float).reshape(-1, 2)
        problem = SitingProblem.from_points(d[:, 0], d[:, 1], c[:, 0], c[:, 1], [x[2] for x in demand],
                                            [x[2] for x in candidates],
                                            network=net.network if use_network else None)
        if objective == "mclp":
            if radius_m is None:
                raise ValueError("the covering objective needs radius_m")
            res = solve_mclp(problem, k, radius_m)
        else:
            res = solve_pmedian(problem, k)
        chosen = {str(s) for s in res.sites}
        return {"sites": [str(s) for s in res.sites], "covered": float(res.covered),
                "objective": float(res.objective), "optimal": bool(res.optimal), "bound": float(res.bound),
                "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x[0], x[1]]},
                              "properties": {"id": str(x[2])}} for x in candidates if str(x[2]) in chosen]}

    return _run(PlanKind.SITING, inputs, "", compute, by)


@transaction.atomic
def corridor_from_route(*, run_id: int, route_index: int, name: str, direction: str, eligible_groups: list[str],
                        opens_at, closes_at, by) -> Corridor:
    """One step from a proposed route to a (closed) corridor with the same line."""
    run = PlanRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound("no such plan run", field="run_id")
    if run.kind != PlanKind.ROUTE or run.status != "ok":
        raise StateConflict("only a successful route plan can become a corridor", field="run_id")
    routes = run.result["routes"]
    if not 0 <= route_index < len(routes):
        raise InvalidInput(f"route_index must be between 0 and {len(routes) - 1}", field="route_index")
    route = routes[route_index]
    return corridor_services.create_corridor(
        name=name, geometry=route["geometry"], direction=direction, eligible_groups=eligible_groups,
        opens_at=opens_at, closes_at=closes_at, by=by,
        notes=f"Created from plan run #{run.pk}, route {route_index} ({run.network}; weight {route['weight']}, "
              f"{route['length_m']:.0f} m, {route['duration_s'] / 60:.0f} min).")
