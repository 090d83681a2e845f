"""Read background jobs for pages, the API and the CLI."""

from __future__ import annotations

from django.db.models import QuerySet

from safepassage.core.errors import NotFound
from safepassage.jobs.models import Job


def jobs(*, kind: str | None = None, status: str | None = None) -> QuerySet[Job]:
    """Jobs, newest first, optionally of one kind or status."""
    qs = Job.objects.select_related("created_by").order_by("-created_at", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def job(job_id: int) -> Job:
    """One job, or NotFound naming the id."""
    found = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if found is None:
        raise NotFound(f"no job #{job_id}", field="job_id")
    return found


def progress(j: Job | None) -> dict | None:
    """A job's progress as shown: done, total and what it is doing."""
    if j is None:
        return None
    return {"done": j.progress_done, "total": j.progress_total, "message": j.progress_message}


def job_read(j: Job) -> dict:
    """The job as the API and the CLI show it."""
    return {"id": j.pk, "kind": j.kind, "status": j.status, "progress": progress(j), "result": j.result,
            "error": j.error, "created_by": j.created_by.username if j.created_by else None,
            "created_at": j.created_at, "started_at": j.started_at, "finished_at": j.finished_at}
