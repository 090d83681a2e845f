"""Background tasks of deconfliction."""

from django_tasks import task

from safepassage.deconfliction import services
from safepassage.jobs import services as jobs


@task()
def record_no_answers(job_id: int) -> dict | None:
    """Record 'no answer' for every party silent after its deadline (the deadline sweep)."""
    return jobs.run(job_id, lambda progress: {"recorded": services.record_no_answers()})
