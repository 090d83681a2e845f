"""Background tasks of accounts: the retention purges of personal data about people who sign in."""

from django.core.management import call_command
from django_tasks import task

from safepassage.accounts import services
from safepassage.core.retention import RETENTION
from safepassage.jobs import services as jobs


@task()
def purge_deactivated_accounts(job_id: int, days: int | None = None) -> dict | None:
    """Erase names and e-mail of deactivated accounts past the retention period."""
    return jobs.run(job_id, lambda progress: {
        "purged": len(services.purge_deactivated_accounts(older_than_days=days, by=RETENTION))})


@task()
def clear_sign_in_records(job_id: int, days: int = 30) -> dict | None:
    """Drop expired sessions and sign-in attempt logs older than `days` (django-axes)."""
    def work(progress):
        call_command("clearsessions")
        call_command("axes_reset_logs", age=days)
        return {"sessions": "expired removed", "sign_in_logs_older_than_days": days}
    return jobs.run(job_id, work)
