"""Background tasks of crossings and medical evacuations."""

from django_tasks import task

from safepassage.core.retention import RETENTION
from safepassage.crossings import services
from safepassage.jobs import services as jobs


@task()
def purge_medevac_identifying(job_id: int, days: int | None = None) -> dict | None:
    """Erase identifying details of medical evacuation cases past the retention period."""
    return jobs.run(job_id, lambda progress: {
        "purged": len(services.purge_identifying(older_than_days=days, by=RETENTION))})
