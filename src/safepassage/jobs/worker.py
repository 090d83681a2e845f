"""`safepassage worker`: run the configured task backend's worker and enqueue the schedules."""

from __future__ import annotations

import logging
import time

from django.core.management import call_command
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from safepassage.jobs.schedules import enqueue_due

log = logging.getLogger(__name__)


def uses_rq() -> bool:
    """True when the configured backend is RQ (on Redis), false for the embedded database backend."""
    return type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__module__.startswith("django_tasks_rq")


def run_pending() -> None:
    """Run every task waiting on the configured backend, then return."""
    queues = sorted(task_backends[DEFAULT_TASK_BACKEND_ALIAS].queues)
    if uses_rq():
        import django_rq

        worker = django_rq.get_worker(*queues, job_class="django_tasks_rq.Job",
                                      worker_class="rq.worker.SimpleWorker")
        worker.work(burst=True, logging_level="WARNING")
    else:
        call_command("db_worker", batch=True, startup_delay=False, reload=False,
                     queue_name=",".join(queues), verbosity=0)


def serve(*, interval: float = 1.0, once: bool = False) -> None:
    """Enqueue due schedules and run waiting tasks, every `interval` seconds (once: one round)."""
    while True:
        for job in enqueue_due():
            log.info("scheduled %s enqueued as job #%s", job.kind, job.pk)
        run_pending()
        if once:
            return
        time.sleep(interval)
