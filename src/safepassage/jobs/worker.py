"""`safepassage worker`: run the configured task backend's worker and enqueue the schedules beside it."""

from __future__ import annotations

import logging
import threading
import time

from django.core.management import call_command
from django.db import close_old_connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from safepassage.jobs.schedules import enqueue_due

log = logging.getLogger(__name__)

SCHEDULE_CHECK_S = 15  # how often the due times are looked at; schedules are in minutes


def uses_rq() -> bool:
    """True when the configured backend is RQ (on Redis), false for the embedded database backend."""
    return type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__module__.startswith("django_tasks_rq")


def _queues() -> list[str]:
    return sorted(task_backends[DEFAULT_TASK_BACKEND_ALIAS].queues)


def _rq_worker():
    import django_rq

    return django_rq.get_worker(*_queues(), job_class="django_tasks_rq.Job", worker_class="rq.worker.SimpleWorker")


def run_pending() -> None:
    """Run every task waiting on the configured backend, then return (batch/burst mode)."""
    if uses_rq():
        _rq_worker().work(burst=True, logging_level="WARNING")
    else:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, queue_name=",".join(_queues()),
                     verbosity=0)


def _enqueue_schedules_forever() -> None:
    while True:
        try:
            for job in enqueue_due():
                log.warning("scheduled job #%s (%s) enqueued", job.pk, job.kind)
        except Exception:  # a locked or unreachable database: try again at the next check
            log.exception("could not enqueue the schedules")
        finally:
            close_old_connections()
        time.sleep(SCHEDULE_CHECK_S)


def serve(*, interval: float = 1.0, once: bool = False) -> None:
    """Run the backend's worker (polling every `interval` s) with the schedules enqueued beside it.

    `once`: enqueue what is due, run what waits, and return.
    """
    if once:
        enqueue_due()
        run_pending()
        return
    threading.Thread(target=_enqueue_schedules_forever, name="schedules", daemon=True).start()
    if uses_rq():
        _rq_worker().work()
    else:
        call_command("db_worker", interval=interval, startup_delay=False, reload=False,
                     queue_name=",".join(_queues()))
