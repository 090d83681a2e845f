"""Read plan runs for the API and pages."""

from __future__ import annotations

from django.db.models import QuerySet

from safepassage.core.errors import NotFound
from safepassage.jobs.selectors import progress
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
