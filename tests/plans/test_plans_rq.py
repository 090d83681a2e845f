"""A plan run on the RQ backend (real Redis), and the states a run goes through on the default backend."""

import pytest
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus

from safepassage.jobs import services as jobs
from safepassage.jobs.models import Job
from safepassage.jobs.worker import run_pending
from safepassage.plans.models import PlanRun
from tests.jobs.test_rq_backend import rq_backend  # noqa: F401
from tests.plans.test_plans_api import _centre, strip  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seen(monkeypatch):
    """What the job and its run looked like at each progress report."""
    snapshots = []
    report = jobs.report_progress

    def spy(job_id, done, total, message=""):
        snapshots.append((Job.objects.get(pk=job_id).status, PlanRun.objects.get(job_id=job_id).status, done, total))
        report(job_id, done, total, message)

    monkeypatch.setattr(jobs, "report_progress", spy)
    return snapshots


def _route(coordinator):
    r = coordinator.post("/api/plans/route", {"origin": _centre(0), "destination": _centre(4)})
    assert r.status_code == 202, r.content
    return r.json()


def test_a_plan_run_goes_queued_running_succeeded_with_progress(coordinator, strip, seen):  # noqa: F811
    queued = _route(coordinator)
    assert queued["status"] == "queued" and queued["progress"] == {"done": 0, "total": 0, "message": ""}
    assert coordinator.get(f"/api/jobs/{queued['job_id']}").json()["status"] == "queued"
    run_pending()
    # The run is stored before the last report; the job is marked succeeded after it.
    assert seen == [("running", "running", 0, 3), ("running", "running", 1, 3), ("running", "running", 2, 3),
                    ("running", "ok", 3, 3)]
    run = coordinator.get(f"/api/plans/{queued['id']}").json()
    assert run["status"] == "ok" and run["result"]["routes"] and run["progress"]["done"] == 3
    job = coordinator.get(f"/api/jobs/{queued['job_id']}").json()
    assert job["status"] == "succeeded" and job["kind"] == "plan.route"
    assert job["result"] == {"run_id": queued["id"], "status": "ok"}


def test_a_plan_run_on_the_rq_backend(coordinator, strip, rq_backend, seen):  # noqa: F811
    queued = _route(coordinator)
    assert rq_backend.llen("rq:queue:default") == 1
    run_pending()
    assert [s[0] for s in seen] == ["running"] * 4
    run = coordinator.get(f"/api/plans/{queued['id']}").json()
    assert run["status"] == "ok" and run["progress"] == {"done": 3, "total": 3, "message": "done"}
    job = Job.objects.get(pk=queued["job_id"])
    assert job.status == "succeeded"
    assert task_backends["default"].get_result(job.task_id).status == TaskResultStatus.SUCCESSFUL


def test_with_redis_down_a_plan_is_refused_with_503_and_the_run_says_why(coordinator, strip, settings):  # noqa: F811
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens there
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    r = coordinator.post("/api/plans/route", {"origin": _centre(0), "destination": _centre(4)})
    assert r.status_code == 503 and "background queue is unavailable" in r.json()["detail"]
    run = PlanRun.objects.get()
    assert run.status == "failed" and run.error == r.json()["detail"]
    assert run.job.status == "failed" and run.job.error.startswith("could not be queued: ConnectionError")
