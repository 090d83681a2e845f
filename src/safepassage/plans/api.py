"""Planning routes: run a plan on the current network, list runs, make a corridor from a route."""

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.corridors.schemas import CorridorDetail
from safepassage.corridors.selectors import corridor_read
from safepassage.plans import services
from safepassage.plans.models import PlanRun
from safepassage.plans.schemas import (
    CorridorFromRoute,
    EvacuationRequest,
    PlanFilters,
    PlanRunRead,
    PlanRunSummary,
    RouteRequest,
    SitingRequest,
)

router = Router(tags=["plans"])


def run_summary(r: PlanRun) -> dict:
    return {"id": r.pk, "kind": r.kind, "status": r.status, "network": r.network, "created_at": r.created_at,
            "created_by": r.created_by.username if r.created_by else None}


def run_read(r: PlanRun) -> dict:
    return {**run_summary(r), "error": r.error, "hazards_version": r.hazards_version, "inputs": r.inputs,
            "result": r.result, "timings": r.timings}


@op(router.post, "/plans/route", perm=Perm.PLANS_RUN, response={201: PlanRunRead})
def plan_route(request, body: RouteRequest):
    """Safest (default), fastest or shortest routes between two points, with exposure per hazard."""
    run = services.run_route(origin=tuple(body.origin), destination=tuple(body.destination), weight=body.weight,
                             mode=body.mode, alternatives=body.alternatives, hazards=body.hazards,
                             at=require_aware(body.at, "at") if body.at else None, by=request.auth)
    return Status(201, run_read(run))


@op(router.post, "/plans/evacuation", perm=Perm.PLANS_RUN, response={201: PlanRunRead})
def plan_evacuation(request, body: EvacuationRequest):
    """Maximum people out by the end of a pause (exact, with the CCRP heuristic's gap)."""
    run = services.run_evacuation(origins=[(o.lon, o.lat, o.people) for o in body.origins],
                                  exits=[(x.lon, x.lat, x.capacity_ppm) for x in body.exits],
                                  window_min=body.window_min, method=body.method, by=request.auth)
    return Status(201, run_read(run))


@op(router.post, "/plans/siting", perm=Perm.PLANS_RUN, response={201: PlanRunRead})
def plan_siting(request, body: SitingRequest):
    """Where to put k meal stations or first-aid points: maximal covering or p-median, exact."""
    run = services.run_siting(demand=[(d.lon, d.lat, d.weight) for d in body.demand],
                              candidates=[(c.lon, c.lat, c.id) for c in body.candidates], k=body.k,
                              radius_m=body.radius_m, objective=body.objective, use_network=body.use_network,
                              by=request.auth)
    return Status(201, run_read(run))


@op(router.get, "/plans", perm=Perm.PLANS_VIEW, response=Page(PlanRunSummary))
def list_runs(request, filters: PlanFilters = Query(...), paging: PageParams = Query(...)):
    qs = PlanRun.objects.select_related("created_by").order_by("-created_at", "-id")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return page(qs, paging, run_summary)


@op(router.get, "/plans/{run_id}", perm=Perm.PLANS_VIEW, response=PlanRunRead)
def get_run(request, run_id: DbId = Path(...)):
    return run_read(get_object_or_404(PlanRun.objects.select_related("created_by"), pk=run_id))


@op(router.post, "/plans/{run_id}/corridor", perm=Perm.CORRIDORS_EDIT, response={201: CorridorDetail})
def corridor_from_route(request, body: CorridorFromRoute, run_id: DbId = Path(...)):
    """Create a (closed) corridor from a proposed route in one step."""
    corridor = services.corridor_from_route(run_id=run_id, by=request.auth, **body.dict())
    return Status(201, corridor_read(corridor, history=True))
