"""Background tasks of convoys."""

from django_tasks import task

from safepassage.convoys import services
from safepassage.core.retention import RETENTION
from safepassage.jobs import services as jobs


@task()
def purge_driver_names(job_id: int, days: int | None = None) -> dict | None:
    """Erase drivers' names of convoys whose journey ended longer ago than the retention period."""
    return jobs.run(job_id, lambda progress: {
        "purged": len(services.purge_driver_names(older_than_days=days, by=RETENTION))})
