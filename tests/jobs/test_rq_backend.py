"""The RQ backend, one setting away, against the real Redis on 127.0.0.1:6379 (database 15, emptied)."""

import pytest
import redis
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_rq import RQBackend

from safepassage.jobs import services as jobs
from safepassage.jobs.models import Job
from safepassage.jobs.worker import run_pending, uses_rq
from tests.jobs.test_jobs import divide_by_zero

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def rq_backend(settings):
    """SAFEPASSAGE_TASKS_BACKEND=rq, as settings.py builds it, on a Redis database of its own."""
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    conn = redis.Redis.from_url(REDIS_URL)
    conn.flushdb()
    yield conn
    conn.flushdb()


def test_deadline_sweep_through_redis_and_an_rq_worker(rq_backend):
    from safepassage.deconfliction import tasks

    assert uses_rq() and isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], RQBackend)
    job = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers)
    assert rq_backend.llen("rq:queue:default") == 1  # the task waits in Redis, not in the database
    assert task_backends["default"].get_result(job.task_id).status == TaskResultStatus.READY
    run_pending()  # rq SimpleWorker, burst mode
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"recorded": 0}
    assert task_backends["default"].get_result(job.task_id).status == TaskResultStatus.SUCCESSFUL
    assert rq_backend.llen("rq:queue:default") == 0


def test_a_failing_task_on_rq_records_its_reason(rq_backend):
    job = jobs.enqueue(kind="test.divide", task=divide_by_zero)
    run_pending()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "ZeroDivisionError: division by zero"
    assert task_backends["default"].get_result(job.task_id).status == TaskResultStatus.FAILED


def test_without_redis_the_default_backend_runs_everything(settings):
    from safepassage.deconfliction import tasks

    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens there
    assert not uses_rq()
    job = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers)
    run_pending()
    assert Job.objects.get(pk=job.pk).status == "succeeded"
