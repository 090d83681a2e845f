"""Create background jobs, hand them to the task backend, and keep their progress, result or failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.db import transaction

from safepassage.audit.services import record
from safepassage.core.errors import DomainError, Unavailable
from safepassage.core.timeutil import now
from safepassage.jobs.models import Job, JobStatus


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def create(*, kind: str, by: Any = None) -> Job:
    """Store a queued job in the caller's transaction (submit it once that transaction is committed)."""
    user = getattr(by, "user", by)
    job = Job.objects.create(kind=kind, created_by=user if getattr(user, "pk", None) else None, created_at=now())
    if job.created_by_id:  # what a person asked for; the schedules' housekeeping is not audited
        record(actor=by, action="job.queued", obj=job, after={"kind": kind})
    return job


def submit(job: Job, task: Any, **kwargs: Any) -> Job:
    """Enqueue the job's task on the configured backend; call it after the job's row is committed."""
    try:
        result = task.enqueue(job_id=job.pk, **kwargs)
    except Exception as exc:  # e.g. Redis down: the job says so, the caller gets a 503
        finish(job.pk, error=f"could not be queued: {failure_reason(exc)}")
        raise Unavailable("the background queue is unavailable; try again later") from exc
    job.task_id = result.id
    Job.objects.filter(pk=job.pk).update(task_id=result.id)
    return job


def enqueue(*, kind: str, task: Any, by: Any = None, **kwargs: Any) -> Job:
    """Store a queued job and enqueue its task."""
    with transaction.atomic():
        job = create(kind=kind, by=by)
    return submit(job, task, **kwargs)


def report_progress(job_id: int, done: int, total: int, message: str = "") -> None:
    """Record how far a running job got (seen at once by pages and the CLI)."""
    Job.objects.filter(pk=job_id).update(progress_done=done, progress_total=total, progress_message=message[:200])


def failure_reason(exc: BaseException) -> str:
    """What a person reads about a failure: the domain's reason, else the error's type and text."""
    if isinstance(exc, DomainError):
        return exc.reason
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@transaction.atomic
def finish(job_id: int, *, result: dict | None = None, error: str = "") -> None:
    """Mark a job succeeded with its result, or failed with its reason."""
    status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    Job.objects.filter(pk=job_id).update(status=status, result=result, error=error, finished_at=now())
    job = Job.objects.get(pk=job_id)
    if job.created_by_id:
        record(actor=None, action="job.finished", obj=job, after={"kind": job.kind, "status": status, "error": error})


def run(job_id: int, work: Callable[[Progress], dict | None]) -> dict | None:
    """Run a job's work in a task: mark it running, pass it a progress callback, keep what it returns."""
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=now())
    try:
        result = work(lambda done, total, message="": report_progress(job_id, done, total, message))
    except Exception as exc:
        finish(job_id, error=failure_reason(exc))
        raise
    finish(job_id, result=result)
    return result
