"""Background tasks of incidents."""

from django_tasks import task

from safepassage.core.retention import RETENTION
from safepassage.incidents import services
from safepassage.jobs import services as jobs


@task()
def purge_source_identities(job_id: int, days: int | None = None) -> dict | None:
    """Erase the identities of sources past the retention period."""
    return jobs.run(job_id, lambda progress: {
        "purged": len(services.purge_source_identities(older_than_days=days, by=RETENTION))})
