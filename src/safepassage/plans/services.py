"""Queue plans on the product's data, compute them in the worker and keep each run; route to corridor."""

from __future__ import annotations

import hashlib
import json
import time as clock
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from shapely.geometry import shape

from safepassage.audit.services import record
from safepassage.core.errors import DomainError, InvalidInput, NotFound, StateConflict
from safepassage.core.timeutil import now
from safepassage.corridors import services as corridor_services
from safepassage.corridors.models import Checkpoint, Corridor
from safepassage.incidents import hazard_reads
from safepassage.jobs import services as jobs
from safepassage.planning.evacuation import EvacuationProblem, evacuate
from safepassage.planning.hazards import HazardOverlay, HazardSet
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


def _submit(kind: str, inputs: dict, hazards_version: str, by) -> PlanRun:
    """Store the run as queued with its job, then hand it to the worker."""
    from safepassage.plans import tasks  # the task calls back into this module

    with transaction.atomic():
        job = jobs.create(kind=f"plan.{kind}", by=by)
        run = PlanRun.objects.create(kind=kind, inputs=inputs, network="", hazards_version=hazards_version,
                                     status="queued", job=job, created_by=job.created_by, created_at=now())
    try:
        jobs.submit(job, tasks.run_plan, run_id=run.pk)
    except DomainError as exc:
        _store(run, network="", result=None, error=exc.reason, timings={})
        raise
    return run


@transaction.atomic
def _store(run: PlanRun, *, network: str, result: dict | None, error: str, timings: dict) -> PlanRun:
    run.network, run.result, run.error, run.timings = network, result, error, timings
    run.status = "failed" if error else "ok"
    run.save(update_fields=["network", "result", "error", "timings", "status"])
    record(actor=run.created_by, action="plan.run_recorded", obj=run,
           after={"kind": run.kind, "status": run.status, "network": network,
                  "hazards_version": run.hazards_version})
    return run


def execute(run_id: int, progress: Callable[..., None]) -> dict:
    """Compute a queued run on the current network; a refused input is stored as a failed run and re-raised."""
    run = PlanRun.objects.select_related("created_by").get(pk=run_id)
    PlanRun.objects.filter(pk=run_id).update(status="running")
    progress(0, 3, "loading the network")
    t0 = clock.perf_counter()
    net = current_network()
    t_net = clock.perf_counter() - t0
    progress(1, 3, f"computing the {run.kind} plan on the {net.label}")
    try:
        result = _COMPUTE[run.kind](net, run.inputs, run.hazards_version)
    except (ValueError, NoRouteError) as exc:
        _store(run, network=net.label, result=None, error=str(exc), timings={"network_s": t_net})
        raise InvalidInput(str(exc), field=run.kind) from exc
    except Exception as exc:
        _store(run, network=net.label, result=None, error=jobs.failure_reason(exc), timings={"network_s": t_net})
        raise
    progress(2, 3, "storing the result")
    timings = {"network_s": round(t_net, 6), "total_s": round(clock.perf_counter() - t0, 6)}
    _store(run, network=net.label, result=result, error="", timings=timings)
    progress(3, 3, "done")
    return {"run_id": run.pk, "status": run.status}


def run_route(*, origin: tuple[float, float], destination: tuple[float, float], weight: str = "risk",
              mode: str = "walk", alternatives: int = 1, hazards: dict | None = None, at: datetime | None = None,
              by) -> PlanRun:
    """Queue the safest (or fastest, shortest) routes between two points, with exposure to each hazard.

    Without an uploaded hazards file, the hazards are the registry's in force at the plan's time.
    """
    source = "upload"
    if hazards is None:
        hazards, source = hazard_reads.planning_geojson(at), "registry"
    _, hz_version = _hazards(hazards)  # a bad hazard file is refused now, not in the worker
    if source == "registry":
        hz_version = hazard_reads.registry_version(at)
    inputs = {"origin": list(origin), "destination": list(destination), "weight": weight, "mode": mode,
              "alternatives": alternatives, "hazards": hazards, "hazards_source": source,
              "hazard_labels": _hazard_labels(hazards, source, at), "at": at.isoformat() if at else None}
    return _submit(PlanKind.ROUTE, inputs, hz_version, by)


def _areas() -> list[tuple[Any, Any]]:
    from safepassage.places.models import Place, PlaceKind

    return [(a, shape(a.geometry)) for a in Place.objects.filter(kind=PlaceKind.AREA).order_by("id")]


def _area_of(geometry: dict, areas: list[tuple[Any, Any]]) -> dict:
    """The area a footprint lies in (or the nearest one), named, so that a page never shows a bare id."""
    if not areas:
        return {"name": "", "name_ar": ""}
    point = shape(geometry).representative_point()
    place = next((a for a, g in areas if g.contains(point)), None)
    if place is None:
        place = min(areas, key=lambda ag: ag[1].distance(point))[0]
    return {"name": place.name, "name_ar": place.name_ar}


def _hazard_labels(hazards: dict | None, source: str, at: datetime | None) -> dict[str, dict]:
    """Each hazard's kind and the area it lies in, by its id in the hazards file (what a page shows for it)."""
    features = (hazards or {}).get("features") or []
    if not features:
        return {}
    areas = _areas()
    kinds = {f"hazard-{h.pk}": h.kind for h in hazard_reads.hazards_in_force(at)} if source == "registry" else {}
    labels = {}
    for i, f in enumerate(features):
        props = f.get("properties") or {}
        hid = str(props.get("id", f.get("id", i)))
        labels[hid] = {"kind": kinds.get(hid, str(props.get("kind", "other"))), "name": str(props.get("name", "")),
                       "blocked": bool(props.get("blocked", False)), "area": _area_of(f["geometry"], areas)}
    return labels


def _compute_route(net, inputs: dict, hazards_version: str) -> dict:
    hazard_set, _ = _hazards(inputs["hazards"])
    at = datetime.fromisoformat(inputs["at"]) if inputs["at"] else None
    s = net.network.nearest_node(*inputs["origin"])
    t = net.network.nearest_node(*inputs["destination"])
    if s == t:
        raise ValueError("start and end snap to the same place on the network; choose points further apart")
    routes = alternative_routes(net.network, s, t, inputs["alternatives"], weight=inputs["weight"],
                                hazards=hazard_set, mode=inputs["mode"], at=at)
    return {"routes": [{k: v for k, v in r.to_dict().items() if k != "nodes"} for r in routes],
            "snapped": {"from": [float(net.network.lon[s]), float(net.network.lat[s])],
                        "to": [float(net.network.lon[t]), float(net.network.lat[t])]}}


def run_evacuation(*, origins: list[tuple[float, float, int]], exits: list[tuple[float, float, float]],
                   window_min: int, method: str = "both", by) -> PlanRun:
    """Queue how many people can be out by the end of a pause, who leaves when and by which route."""
    inputs = {"origins": [list(o) for o in origins], "exits": [list(x) for x in exits], "window_min": window_min,
              "method": method}
    return _submit(PlanKind.EVACUATION, inputs, "", by)


def _area_origins(areas, field: str) -> tuple[list[tuple[float, float, int]], list[dict]]:
    """Origins from the areas' latest population figures, with each figure's source and date."""
    from safepassage.places.models import PopulationFigure

    population, origins = [], []
    for place in areas:
        fig = PopulationFigure.objects.filter(place=place).order_by("-as_of", "-id").first()
        if fig is None or fig.people == 0:
            continue
        p = shape(place.geometry).representative_point()
        origins.append((round(p.x, 6), round(p.y, 6), fig.people))
        population.append({"place_id": place.pk, "name": place.name, "people": fig.people, "source": fig.source,
                           "as_of": fig.as_of.isoformat(), "illustrative": fig.illustrative,
                           "name_ar": place.name_ar})
    if not origins:
        raise InvalidInput(f"no area of this {'pause' if field == 'pause_id' else 'plan'} has a population figure",
                           field=field)
    return origins, population


def _checkpoint_exits(corridors, field: str) -> tuple[list[tuple[float, float, float]], list[dict]]:
    """Exits from the checkpoints of the corridors that have a capacity per minute."""
    exits, detail = [], []
    for cp in (Checkpoint.objects.filter(corridor__in=corridors, capacity_per_minute__gt=0)
               .select_related("corridor").order_by("corridor__name", "name")):
        exits.append((cp.lon, cp.lat, cp.capacity_per_minute))
        detail.append({"corridor_id": cp.corridor_id, "corridor": cp.corridor.name, "checkpoint_id": cp.pk,
                       "checkpoint": cp.name, "capacity_per_minute": cp.capacity_per_minute,
                       "corridor_ar": cp.corridor.name_ar, "checkpoint_ar": cp.name_ar})
    if not exits:
        what = "this pause" if field == "pause_id" else "the chosen corridors"
        raise InvalidInput(f"no corridor of {what} has a checkpoint with a capacity per minute", field=field)
    return exits, detail


def _registry_hazards(at: datetime) -> dict:
    """The registry's hazards in force at a time, as stored with a run (drawn with it, used by the flows)."""
    hazards = hazard_reads.planning_geojson(at)
    return {"hazards": hazards, "hazards_source": "registry", "at": at.isoformat(),
            "hazard_labels": _hazard_labels(hazards, "registry", at)}


def run_pause_evacuation(*, pause_id: int, method: str = "both", by) -> PlanRun:
    """Queue how many people can leave in a pause, by which corridors, from the records.

    Origins are the areas in the pause's scope with their latest population figure, exits the checkpoints of
    the pause's corridors with their capacity per minute, the window the pause's; the inputs (figures with
    their sources) and the hazard registry's version are stored with the run.
    """
    from safepassage.pauses.models import Pause
    from safepassage.places.models import PlaceKind

    pause = Pause.objects.filter(pk=pause_id).first()
    if pause is None:
        raise NotFound("no such pause", field="pause_id")
    origins, population = _area_origins(pause.places.filter(kind=PlaceKind.AREA).order_by("name", "id"), "pause_id")
    exits, exit_detail = _checkpoint_exits(pause.corridors.all(), "pause_id")
    window = int((pause.ends_at - pause.starts_at).total_seconds() // 60)
    inputs = {"origins": [list(o) for o in origins], "exits": [list(x) for x in exits],
              "window_min": min(window, 24 * 60), "method": method, "pause_id": pause.pk,
              "pause": {"title": pause.title, "starts_at": pause.starts_at.isoformat(),
                        "ends_at": pause.ends_at.isoformat(), "window_min": window},
              "population": population, "exit_points": exit_detail, **_registry_hazards(pause.starts_at)}
    return _submit(PlanKind.EVACUATION, inputs, hazard_reads.registry_version(pause.starts_at), by)


def _records(model, ids: list[int], field: str, **filters) -> list:
    """The records with these ids (in the order given), or a refusal naming the first unknown id."""
    found = {o.pk: o for o in model.objects.filter(pk__in=ids, **filters)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"no such {field.removesuffix('_ids').replace('_', ' ')}: #{missing[0]}", field=field)
    return [found[i] for i in dict.fromkeys(ids)]


def run_places_evacuation(*, area_ids: list[int], corridor_ids: list[int], window_min: int, method: str = "both",
                          by) -> PlanRun:
    """Queue an evacuation plan chosen by name on the map: areas (their population) out by corridors' checkpoints.

    The hazards in force now are stored with the run; those that block a way close it to the flows.
    """
    from safepassage.places.models import Place, PlaceKind

    areas = _records(Place, area_ids, "area_ids", kind=PlaceKind.AREA)
    corridors = _records(Corridor, corridor_ids, "corridor_ids")
    origins, population = _area_origins(areas, "area_ids")
    exits, exit_detail = _checkpoint_exits(corridors, "corridor_ids")
    at = now()
    inputs = {"origins": [list(o) for o in origins], "exits": [list(x) for x in exits], "window_min": window_min,
              "method": method, "area_ids": [a.pk for a in areas], "corridor_ids": [c.pk for c in corridors],
              "population": population, "exit_points": exit_detail, **_registry_hazards(at)}
    return _submit(PlanKind.EVACUATION, inputs, hazard_reads.registry_version(at), by)


def _evacuation_travel(net, inputs: dict) -> np.ndarray | None:
    """Minutes per arc, with the arcs a hazard blocks made too long to use within the window."""
    hazard_set, _ = _hazards(inputs.get("hazards"))
    if hazard_set is None:
        return None
    at = datetime.fromisoformat(inputs["at"]) if inputs.get("at") else None
    factor = HazardOverlay(net.network, hazard_set, at=at).factor
    travel = np.maximum(np.ceil(np.asarray(net.network.travel_seconds("walk"), dtype=float) / 60.0), 1)
    return np.where(np.isinf(factor), inputs["window_min"] + 1, travel)


def _name_groups(net, inputs: dict, schedule: list[dict]) -> None:
    """Name where each group leaves from (its areas) and by which checkpoint, so that no page shows a node id."""
    nearest = net.network.nearest_node
    origin_names: dict[int, list[dict]] = {}
    for o, fig in zip(inputs["origins"], inputs.get("population") or [], strict=False):
        origin_names.setdefault(int(nearest(o[0], o[1])), []).append(fig)
    exit_names: dict[int, list[dict]] = {}
    for x, cp in zip(inputs["exits"], inputs.get("exit_points") or [], strict=False):
        exit_names.setdefault(int(nearest(x[0], x[1])), []).append(cp)
    for group in schedule:
        group["from"] = [{"name": f["name"], "name_ar": f.get("name_ar", "")} for f in origin_names.get(group["origin"], [])]
        group["to"] = [{"corridor": c["corridor"], "checkpoint": c["checkpoint"], "corridor_ar": c.get("corridor_ar", ""),
                        "checkpoint_ar": c.get("checkpoint_ar", "")} for c in exit_names.get(group["exit"], [])]


def _compute_evacuation(net, inputs: dict, hazards_version: str) -> dict:
    origins = [tuple(o) for o in inputs["origins"]]
    exits = [tuple(x) for x in inputs["exits"]]
    problem = EvacuationProblem.from_network(net.network, origins, exits, inputs["window_min"],
                                             travel_min=_evacuation_travel(net, inputs))
    result = evacuate(problem, inputs["method"]).to_dict()
    result["total_people"] = int(sum(o[2] for o in origins))  # everyone in scope, beside those who get out
    _name_groups(net, inputs, result["schedule"])
    lon, lat = net.network.lon, net.network.lat
    for group in result["schedule"]:
        group["geometry"] = {"type": "LineString",
                             "coordinates": [[float(lon[n]), float(lat[n])] for n in group["path"]]}
    if inputs.get("exit_points"):  # a pause's plan: people out by corridor
        exit_of = {}
        for x, detail in zip(inputs["exits"], inputs["exit_points"], strict=True):
            exit_of.setdefault(int(net.network.nearest_node(x[0], x[1])), detail)
        by_corridor: dict[int, dict] = {}
        for group in result["schedule"]:
            detail = exit_of.get(int(group["exit"]))
            if detail is None:
                continue
            row = by_corridor.setdefault(detail["corridor_id"], {"corridor_id": detail["corridor_id"],
                                                                 "corridor": detail["corridor"], "people": 0,
                                                                 "corridor_ar": detail.get("corridor_ar", "")})
            if group["arrive_min"] <= inputs["window_min"]:
                row["people"] += group["count"]
        result["by_corridor"] = sorted(by_corridor.values(), key=lambda r: -r["people"])
    return result


def run_siting(*, demand: list[tuple[float, float, float]], candidates: list[tuple[float, float, str]], k: int,
               radius_m: float | None, objective: str = "mclp", use_network: bool = False, by,
               extra: dict | None = None) -> PlanRun:
    """Queue where to put k meal stations or first-aid points (exact, HiGHS); `extra` inputs are kept too."""
    if objective == "mclp" and radius_m is None:
        raise InvalidInput("the covering objective needs radius_m", field="radius_m")
    if k > len(candidates):
        raise InvalidInput(f"k ({k}) is more than the {len(candidates)} candidate(s)", field="k")
    inputs = {"demand": [list(d) for d in demand], "candidates": [list(c) for c in candidates], "k": k,
              "radius_m": radius_m, "objective": objective, "use_network": use_network, **(extra or {})}
    return _submit(PlanKind.SITING, inputs, "", by)  # siting does not weigh hazards: they are drawn beside it


def run_places_siting(*, candidate_ids: list[int], area_ids: list[int], k: int, radius_m: float | None,
                      objective: str = "mclp", use_network: bool = False, by) -> PlanRun:
    """Queue a siting plan chosen by name on the map: candidate places, and the areas whose people to cover."""
    from safepassage.places.models import Place, PlaceKind

    places = _records(Place, candidate_ids, "candidate_ids")
    _, population = _area_origins(_records(Place, area_ids, "area_ids", kind=PlaceKind.AREA), "area_ids")
    areas = {a.pk: a for a in Place.objects.filter(pk__in=[f["place_id"] for f in population])}
    demand = [(*_point(areas[f["place_id"]]), float(f["people"])) for f in population]
    candidates = [(*_point(p), str(p.pk)) for p in places]
    run_inputs = {"candidate_places": [{"id": str(p.pk), "name": p.name, "name_ar": p.name_ar, "kind": p.kind}
                                       for p in places], "population": population, **_registry_hazards(now())}
    return run_siting(demand=demand, candidates=candidates, k=k, radius_m=radius_m, objective=objective,
                      use_network=use_network, by=by, extra=run_inputs)


def _point(place) -> tuple[float, float]:
    p = shape(place.geometry).representative_point()
    return round(p.x, 6), round(p.y, 6)


def _compute_siting(net, inputs: dict, hazards_version: str) -> dict:
    demand, candidates = inputs["demand"], inputs["candidates"]
    d = np.asarray([x[:2] for x in demand], dtype=float).reshape(-1, 2)
    c = np.asarray([x[:2] for x in candidates], dtype=float).reshape(-1, 2)
    problem = SitingProblem.from_points(d[:, 0], d[:, 1], c[:, 0], c[:, 1], [x[2] for x in demand],
                                        [x[2] for x in candidates],
                                        network=net.network if inputs["use_network"] else None)
    if inputs["objective"] == "mclp":
        res = solve_mclp(problem, inputs["k"], inputs["radius_m"])
    else:
        res = solve_pmedian(problem, inputs["k"])
    chosen = {str(s) for s in res.sites}
    names = {p["id"]: p for p in inputs.get("candidate_places") or []}
    return {"sites": [str(s) for s in res.sites], "covered": float(res.covered),
            "total_demand": float(sum(x[2] for x in demand)),  # "covered of total" beside the result
            "objective": float(res.objective), "optimal": bool(res.optimal), "bound": float(res.bound),
            "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x[0], x[1]]},
                          "properties": {"id": str(x[2]), "name": names.get(str(x[2]), {}).get("name", str(x[2])),
                                         "name_ar": names.get(str(x[2]), {}).get("name_ar", "")}}
                         for x in candidates if str(x[2]) in chosen]}


_COMPUTE: dict[str, Callable[[Any, dict, str], dict]] = {
    PlanKind.ROUTE: _compute_route, PlanKind.EVACUATION: _compute_evacuation, PlanKind.SITING: _compute_siting}


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
