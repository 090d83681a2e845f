"""Background tasks of planning."""

from django_tasks import task

from safepassage.jobs import services as jobs
from safepassage.plans import services


@task()
def run_plan(job_id: int, run_id: int) -> dict | None:
    """Compute a queued plan run, reporting its progress."""
    return jobs.run(job_id, lambda progress: services.execute(run_id, progress))
