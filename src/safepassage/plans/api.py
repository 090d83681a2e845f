"""Planning routes: queue a plan on the current network, follow it, list runs, make a corridor from a route."""

from typing import Literal

from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.corridors.schemas import CorridorDetail
from safepassage.corridors.selectors import corridor_read
from safepassage.plans import selectors, services
from safepassage.plans.schemas import (
    CorridorFromRoute,
    EvacuationRequest,
    PlacesEvacuationRequest,
    PlacesSitingRequest,
    PlanFilters,
    PlanOptions,
    PlanRunRead,
    PlanRunSummary,
    RouteRequest,
    SitingRequest,
)

router = Router(tags=["plans"])


@op(router.post, "/plans/route", perm=Perm.PLANS_RUN, response={202: PlanRunRead})
def plan_route(request, body: RouteRequest):
    """Queue safest (default), fastest or shortest routes between two points; follow GET /api/plans/{id}."""
    run = services.run_route(origin=tuple(body.origin), destination=tuple(body.destination), weight=body.weight,
                             mode=body.mode, alternatives=body.alternatives, hazards=body.hazards,
                             at=require_aware(body.at, "at") if body.at else None, by=request.auth)
    return Status(202, selectors.run_read(selectors.run(run.pk)))


@op(router.post, "/plans/evacuation", perm=Perm.PLANS_RUN, response={202: PlanRunRead})
def plan_evacuation(request, body: EvacuationRequest):
    """Queue the maximum people out by the end of a pause (exact, with the CCRP heuristic's gap)."""
    run = services.run_evacuation(origins=[(o.lon, o.lat, o.people) for o in body.origins],
                                  exits=[(x.lon, x.lat, x.capacity_ppm) for x in body.exits],
                                  window_min=body.window_min, method=body.method, by=request.auth)
    return Status(202, selectors.run_read(selectors.run(run.pk)))


@op(router.post, "/plans/evacuation/places", perm=Perm.PLANS_RUN, response={202: PlanRunRead})
def plan_places_evacuation(request, body: PlacesEvacuationRequest):
    """Queue an evacuation plan by name: areas (their latest population figure) out through the checkpoints of
    corridors, within a window; the hazards in force now are stored with it and block the ways they close."""
    run = services.run_places_evacuation(area_ids=body.area_ids, corridor_ids=body.corridor_ids,
                                         window_min=body.window_min, method=body.method, by=request.auth)
    return Status(202, selectors.run_read(selectors.run(run.pk)))


@op(router.post, "/plans/siting/places", perm=Perm.PLANS_RUN, response={202: PlanRunRead})
def plan_places_siting(request, body: PlacesSitingRequest):
    """Queue where to put k sites among named places, covering the people of chosen areas."""
    run = services.run_places_siting(candidate_ids=body.candidate_ids, area_ids=body.area_ids, k=body.k,
                                     radius_m=float(body.radius_m) if body.radius_m is not None else None,
                                     objective=body.objective, use_network=body.use_network, by=request.auth)
    return Status(202, selectors.run_read(selectors.run(run.pk)))


@op(router.get, "/plans/options", perm=Perm.PLANS_RUN, response=PlanOptions)
def plan_options(request):
    """What the map's plan forms pick from by name, and which network plans run on."""
    return selectors.plan_options()


@op(router.post, "/pauses/{pause_id}/evacuation-plan", perm=Perm.PLANS_RUN, response={202: PlanRunRead})
def plan_pause_evacuation(request, pause_id: DbId = Path(...), method: Literal["exact", "heuristic", "both"] = "both"):
    """Queue how many people can leave in this pause, by which corridors: populations of its areas, its
    corridors' checkpoint capacities, its window; inputs and hazard version are stored with the run."""
    run = services.run_pause_evacuation(pause_id=pause_id, method=method, by=request.auth)
    return Status(202, selectors.run_read(selectors.run(run.pk)))


@op(router.post, "/plans/siting", perm=Perm.PLANS_RUN, response={202: PlanRunRead})
def plan_siting(request, body: SitingRequest):
    """Queue where to put k meal stations or first-aid points: maximal covering or p-median, exact."""
    run = services.run_siting(demand=[(d.lon, d.lat, d.weight) for d in body.demand],
                              candidates=[(c.lon, c.lat, c.id) for c in body.candidates], k=body.k,
                              radius_m=body.radius_m, objective=body.objective, use_network=body.use_network,
                              by=request.auth)
    return Status(202, selectors.run_read(selectors.run(run.pk)))


@op(router.get, "/plans", perm=Perm.PLANS_VIEW, response=Page(PlanRunSummary))
def list_runs(request, filters: PlanFilters = Query(...), paging: PageParams = Query(...)):
    return page(selectors.runs(kind=filters.kind), paging, selectors.run_summary)


@op(router.get, "/plans/{run_id}", perm=Perm.PLANS_VIEW, response=PlanRunRead)
def get_run(request, run_id: DbId = Path(...)):
    """A run: queued or running with its progress, then its result or the reason it failed."""
    return selectors.run_read(selectors.run(run_id))


@op(router.post, "/plans/{run_id}/corridor", perm=Perm.CORRIDORS_EDIT, response={201: CorridorDetail})
def corridor_from_route(request, body: CorridorFromRoute, run_id: DbId = Path(...)):
    """Create a (closed) corridor from a proposed route in one step."""
    corridor = services.corridor_from_route(run_id=run_id, by=request.auth, **body.dict())
    return Status(201, corridor_read(corridor, history=True))
