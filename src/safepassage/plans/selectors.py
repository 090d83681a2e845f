"""Read plan runs for the API and pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from safepassage.core.errors import NotFound
from safepassage.corridors.models import Checkpoint, Corridor
from safepassage.jobs.selectors import progress
from safepassage.places.models import Place, PlaceKind, PopulationFigure
from safepassage.plans.models import PlanRun


def runs(*, kind: str | None = None) -> QuerySet[PlanRun]:
    """Plan runs, newest first, optionally of one kind."""
    qs = PlanRun.objects.select_related("created_by").order_by("-created_at", "-id")
    return qs.filter(kind=kind) if kind else qs


def run(run_id: int) -> PlanRun:
    """One plan run with its job, or NotFound."""
    found = PlanRun.objects.select_related("created_by", "job").filter(pk=run_id).first()
    if found is None:
        raise NotFound(f"no plan run #{run_id}", field="run_id")
    return found


def run_summary(r: PlanRun) -> dict:
    return {"id": r.pk, "kind": r.kind, "status": r.status, "network": r.network, "created_at": r.created_at,
            "created_by": r.created_by.username if r.created_by else None}


def run_read(r: PlanRun) -> dict:
    """A run with its inputs, its progress while it runs, and its result or the reason it failed."""
    return {**run_summary(r), "error": r.error, "hazards_version": r.hazards_version, "inputs": r.inputs,
            "result": r.result, "timings": r.timings, "job_id": r.job_id, "progress": progress(r.job)}


def network_kind() -> str:
    """"road" when a road network file is configured, else "district" (the areas' district graph)."""
    return "road" if settings.SAFEPASSAGE_ROAD_NETWORK else "district"


def plan_options() -> dict:
    """What the map's plan forms pick from, by name: areas with their population, places, corridors' exits."""
    latest: dict[int, PopulationFigure] = {}
    for fig in PopulationFigure.objects.order_by("place_id", "-as_of", "-id"):
        latest.setdefault(fig.place_id, fig)
    places = list(Place.objects.order_by("kind", "name", "id").only("id", "kind", "name", "name_ar", "site_type"))
    capacity: dict[int, float] = {}
    for cp in Checkpoint.objects.filter(capacity_per_minute__gt=0):
        capacity[cp.corridor_id] = capacity.get(cp.corridor_id, 0) + cp.capacity_per_minute

    def area(p: Place) -> dict:
        fig = latest.get(p.pk)
        return {"id": p.pk, "name": p.name, "name_ar": p.name_ar, "people": fig.people if fig else None,
                "source": fig.source if fig else "", "as_of": fig.as_of if fig else None,
                "illustrative": fig.illustrative if fig else False}

    return {"network": network_kind(),
            "areas": [area(p) for p in places if p.kind == PlaceKind.AREA],
            # the agreements' communities across the country are left out, as on the map's layers
            "sites": [{"id": p.pk, "name": p.name, "name_ar": p.name_ar, "site_type": p.site_type}
                      for p in places if p.kind == PlaceKind.SITE and p.site_type != "populated_place"],
            "corridors": [{"id": c.pk, "name": c.name, "name_ar": c.name_ar, "status": c.status,
                           "capacity_per_minute": capacity.get(c.pk, 0)}
                          for c in Corridor.objects.order_by("name", "id")]}
