"""The periodic jobs of `settings.SAFEPASSAGE_SCHEDULES`, each enqueued once per due time.

An entry is `name: {"task": "dotted.path.to.task", "every_minutes": N}` (due at every multiple of N
minutes since midnight UTC) or `{"task": ..., "daily_at": "HH:MM"}` (due each day at that hour in the
operation's time zone, `SAFEPASSAGE_TIME_ZONE`), with optional `"kwargs"`. The task takes `job_id` and
those keyword arguments. The last due time enqueued is stored per name (`ScheduleMark`): after a
restart nothing due is enqueued twice, and a due time missed while no worker ran is enqueued once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string

from safepassage.core.errors import InvalidInput
from safepassage.core.timeutil import now, operation_zone
from safepassage.jobs import services
from safepassage.jobs.models import Job, ScheduleMark

UTC = ZoneInfo("UTC")


def last_due(entry: dict, at: datetime) -> datetime:
    """The latest time at or before `at` when this schedule is due."""
    if "every_minutes" in entry:
        step = int(entry["every_minutes"]) * 60
        midnight = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = int((at - midnight).total_seconds())
        return midnight + timedelta(seconds=elapsed - elapsed % step)
    if "daily_at" in entry:
        zone = operation_zone()
        local = at.astimezone(zone)
        hour = time.fromisoformat(entry["daily_at"])
        due = datetime.combine(local.date(), hour, tzinfo=zone)
        if due > local:
            due = datetime.combine(local.date() - timedelta(days=1), hour, tzinfo=zone)
        return due.astimezone(UTC)
    raise ImproperlyConfigured(f"schedule {entry!r} needs every_minutes or daily_at")


def _claim(name: str, due: datetime) -> bool:
    """Move the schedule's mark to `due`; True when this call moved it (so it enqueues)."""
    mark, created = ScheduleMark.objects.select_for_update().get_or_create(name=name, defaults={"last_due": due})
    if created:
        return True
    if mark.last_due >= due:
        return False
    mark.last_due = due
    mark.save(update_fields=["last_due"])
    return True


def enqueue_due(at: datetime | None = None) -> list[Job]:
    """Enqueue every schedule due since it was last enqueued; return the jobs created."""
    at = at or now()
    created = []
    for name, entry in settings.SAFEPASSAGE_SCHEDULES.items():
        due = last_due(entry, at)
        with transaction.atomic():
            if not _claim(name, due):
                continue
            job = services.create(kind=name)
        created.append(services.submit(job, _housekeeping(import_string(entry["task"])), **entry.get("kwargs", {})))
    return created


HOUSEKEEPING_PRIORITY = -10  # what people asked for (a plan, an import) runs before the schedules' work


def _housekeeping(task):
    """The task at the schedules' lower priority, where the backend orders by priority (the database one)."""
    return task.using(priority=HOUSEKEEPING_PRIORITY) if task.get_backend().supports_priority else task


def run_now(name: str, *, enqueue: bool = False, **kwargs) -> Job:
    """Run a schedule's task at once, here (or by the worker with `enqueue`); `kwargs` override its own."""
    entry = settings.SAFEPASSAGE_SCHEDULES.get(name)
    if entry is None:
        raise InvalidInput(f"no schedule {name!r}; one of {', '.join(settings.SAFEPASSAGE_SCHEDULES)}", field="name")
    task, arguments = import_string(entry["task"]), {**entry.get("kwargs", {}), **kwargs}
    if enqueue:
        return services.enqueue(kind=name, task=task, **arguments)
    job = services.create(kind=name)
    try:
        task.call(job_id=job.pk, **arguments)
    except Exception:  # the job records why; the caller reads it there
        pass
    job.refresh_from_db()
    return job
