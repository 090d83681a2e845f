"""Background tasks of reports: the day's bulletin, every morning and on demand."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from safepassage.core.permissions import Role
from safepassage.core.principal import Principal
from safepassage.core.timeutil import now, operation_zone, operation_zone_name
from safepassage.jobs import services as jobs
from safepassage.reports import selectors, services

SCHEDULE = Principal(user=None, role=Role.ADMIN, via="schedule")


@task()
def publish_bulletin(job_id: int, day: str | None = None, tz: str | None = None) -> dict | None:
    """Publish and archive a day's bulletin (by default yesterday's, in the operation's time zone)."""
    the_day = selectors.parse_day(day) if day else (now().astimezone(operation_zone()) - timedelta(days=1)).date()

    def work(progress):
        edition = services.publish_edition(day=the_day, tz=tz or operation_zone_name(), by=SCHEDULE, job_id=job_id,
                                           progress=progress)
        return {"edition_id": edition.pk, "day": the_day.isoformat(), "json_sha256": edition.files["json"]["sha256"]}

    return jobs.run(job_id, work)
