"""Background jobs on the embedded database backend: a real worker run (batch mode), schedules, the CLI."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, default_task_backend, task, task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db import DatabaseBackend

from safepassage.cli import main
from safepassage.core.timeutil import now
from safepassage.deconfliction import services as deconfliction
from safepassage.deconfliction.models import Acknowledgement, AckState
from safepassage.jobs import schedules
from safepassage.jobs import services as jobs
from safepassage.jobs.models import Job, ScheduleMark
from safepassage.jobs.worker import run_pending
from tests.conftest import SYSTEM

# The worker commits its own transactions, as it does beside the server.
pytestmark = pytest.mark.django_db(transaction=True)


@task()
def divide_by_zero(job_id: int) -> dict | None:
    """A task that fails with an unexpected error, to check that its job says why."""
    def work(progress):
        progress(1, 2, "about to divide")
        return {"value": 1 / 0}
    return jobs.run(job_id, work)


@pytest.fixture
def overdue_notification(parties):
    from safepassage.places import services as places

    site = places.create_place(kind="site", name="Field hospital", site_type="hospital",
                               geometry={"type": "Point", "coordinates": [37.16, 36.21]}, by=SYSTEM)
    sent = now() - timedelta(hours=5)
    return deconfliction.notify(kind="static_site", site=site, title="Meal station", geometry=site.geometry,
                                starts_at=sent, ends_at=None, deadline=sent + timedelta(hours=2), who="NGO",
                                party_ids=[p.pk for p in parties.values()], by=SYSTEM, at=sent)


def test_the_database_backend_is_the_default_and_needs_no_redis(settings):
    assert settings.SAFEPASSAGE_TASKS_BACKEND == "db"
    assert isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def test_deadline_sweep_enqueued_by_the_command_runs_in_a_real_worker(overdue_notification, capsys):
    assert main(["jobs", "run", "deadline_sweep", "--enqueue"]) == 0
    job = Job.objects.get()
    assert capsys.readouterr().out.startswith(f"job #{job.pk} deadline_sweep: queued")
    assert job.status == "queued" and job.kind == "deadline_sweep" and job.task_id
    assert default_task_backend.get_result(job.task_id).status == TaskResultStatus.READY
    assert not Acknowledgement.objects.filter(state=AckState.NO_ANSWER).exists()  # nothing ran yet

    run_pending()  # db_worker --batch: runs what waits, then exits

    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"recorded": 2} and job.error == ""
    assert job.started_at <= job.finished_at
    assert default_task_backend.get_result(job.task_id).status == TaskResultStatus.SUCCESSFUL
    assert Acknowledgement.objects.filter(state=AckState.NO_ANSWER).count() == 2


def test_a_failing_task_records_its_reason(coordinator):
    job = jobs.enqueue(kind="test.divide", task=divide_by_zero)
    run_pending()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "ZeroDivisionError: division by zero"
    assert (job.progress_done, job.progress_total, job.progress_message) == (1, 2, "about to divide")
    assert default_task_backend.get_result(job.task_id).status == TaskResultStatus.FAILED
    shown = coordinator.get(f"/api/jobs/{job.pk}").json()
    assert shown["status"] == "failed" and shown["error"] == job.error


def test_a_refused_purge_says_why(monkeypatch):
    monkeypatch.setenv("SAFEPASSAGE_MEDEVAC_RETENTION_DAYS", "a month")
    assert main(["jobs", "run", "medevac_purge", "--enqueue"]) == 0
    run_pending()
    job = Job.objects.get(kind="medevac_purge")
    assert job.status == "failed" and "must be a whole number of days" in job.error


def test_purge_as_a_job(monkeypatch):
    monkeypatch.delenv("SAFEPASSAGE_MEDEVAC_RETENTION_DAYS", raising=False)
    assert main(["jobs", "run", "medevac_purge", "--enqueue", "--days", "30"]) == 0
    run_pending()
    job = Job.objects.get(kind="medevac_purge")
    assert job.status == "succeeded" and job.result == {"purged": 0}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_each_schedule_is_enqueued_once_per_due_time(settings):
    settings.SAFEPASSAGE_SCHEDULES = {
        "deadline_sweep": {"task": "safepassage.deconfliction.tasks.record_no_answers", "every_minutes": 5},
        "medevac_purge": {"task": "safepassage.crossings.tasks.purge_medevac_identifying", "daily_at": "03:30",
                          "kwargs": {"days": 30}},
    }
    settings.OPERATION_TIME_ZONE = "Asia/Damascus"  # UTC+3: 03:30 there is 00:30 UTC
    kinds = lambda jobs_: sorted(j.kind for j in jobs_)  # noqa: E731
    # First start: the latest due time of each is enqueued once (the purge's is yesterday's 03:30).
    assert kinds(schedules.enqueue_due(_at("2026-12-06 00:12"))) == ["deadline_sweep", "medevac_purge"]
    assert ScheduleMark.objects.get(name="deadline_sweep").last_due == _at("2026-12-06 00:10")
    assert ScheduleMark.objects.get(name="medevac_purge").last_due == _at("2026-12-05 00:30")
    assert schedules.enqueue_due(_at("2026-12-06 00:14:59")) == []  # same due times: nothing again
    assert schedules.enqueue_due(_at("2026-12-06 00:14:59")) == []  # a restarted worker neither
    assert kinds(schedules.enqueue_due(_at("2026-12-06 00:15"))) == ["deadline_sweep"]
    assert kinds(schedules.enqueue_due(_at("2026-12-06 00:31"))) == ["deadline_sweep", "medevac_purge"]
    assert schedules.enqueue_due(_at("2026-12-06 00:32")) == []
    assert Job.objects.count() == 5 and not Job.objects.exclude(status="queued").exists()
    run_pending()
    assert set(Job.objects.values_list("status", flat=True)) == {"succeeded"}


def test_jobs_api_is_for_staff(actors):
    job = jobs.enqueue(kind="deadline_sweep", task=__import__(
        "safepassage.deconfliction.tasks", fromlist=["record_no_answers"]).record_no_answers)
    assert actors["public"].get("/api/jobs").status_code == 401
    listed = actors["partner"].get("/api/jobs", status="queued").json()
    assert listed["count"] == 1 and listed["items"][0]["progress"] == {"done": 0, "total": 0, "message": ""}
    assert actors["partner"].get(f"/api/jobs/{job.pk}").json()["status"] == "queued"
    assert actors["partner"].get("/api/jobs/999999").status_code == 404


def test_cli_worker_and_jobs(capsys):
    assert main(["worker", "--once"]) == 0  # enqueues the configured schedules, runs them, exits
    assert set(Job.objects.values_list("kind", "status")) == {("deadline_sweep", "succeeded"),
                                                              ("medevac_purge", "succeeded"),
                                                              ("driver_names_purge", "succeeded"),
                                                              ("source_identity_purge", "succeeded"),
                                                              ("account_purge", "succeeded"),
                                                              ("sign_in_records", "succeeded"),
                                                              ("daily_bulletin", "succeeded")}
    capsys.readouterr()
    assert main(["jobs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "deadline_sweep" in listed and "medevac_purge" in listed and "succeeded" in listed
    sweep = Job.objects.get(kind="deadline_sweep")
    assert main(["jobs", "show", str(sweep.pk)]) == 0
    shown = capsys.readouterr().out
    assert f"job #{sweep.pk} deadline_sweep: succeeded" in shown and '"recorded": 0' in shown
    failed = jobs.enqueue(kind="test.divide", task=divide_by_zero)
    run_pending()
    assert main(["jobs", "show", str(failed.pk)]) == 1
    assert "failed: ZeroDivisionError: division by zero" in capsys.readouterr().out
    assert main(["jobs", "show", "999999"]) == 2
    assert "no job #999999" in capsys.readouterr().err


def test_jobs_page_shows_progress_result_and_reason(actors):
    from django.test import Client

    from safepassage.accounts.models import User
    from safepassage.deconfliction import tasks

    sweep = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers)
    failed = jobs.enqueue(kind="test.divide", task=divide_by_zero)
    browser = Client()
    assert browser.get("/jobs/").status_code == 302  # sign in first
    browser.force_login(User.objects.get(username="u_partner"))
    page = browser.get("/jobs/").content.decode()
    assert 'http-equiv="refresh"' in page and "queued" in page  # refreshes while jobs wait
    run_pending()
    page = browser.get("/jobs/").content.decode()
    assert 'http-equiv="refresh"' not in page
    assert f'data-testid="job-{sweep.pk}"' in page and "{&#x27;recorded&#x27;: 0}" in page
    assert "ZeroDivisionError: division by zero" in page and "1/2 about to divide" in page
    assert f'data-testid="job-{failed.pk}"' in page
    liaison = Client()
    liaison.force_login(User.objects.get(username="u_party_liaison"))
    assert liaison.get("/jobs/").status_code == 403


def test_jobs_a_person_queued_are_audited_housekeeping_is_not(coordinator, overdue_notification):
    from safepassage.audit.models import AuditEntry
    from safepassage.audit.services import verify_chain
    from safepassage.deconfliction import tasks

    mine = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers, by=coordinator.principal)
    scheduled = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers)
    run_pending()
    audited = set(AuditEntry.objects.filter(object_type="jobs.job").values_list("action", "object_id"))
    assert audited == {("job.queued", str(mine.pk)), ("job.finished", str(mine.pk))}
    assert Job.objects.get(pk=scheduled.pk).status == "succeeded"
    assert verify_chain().ok


def test_jobs_run_names_the_schedules_when_the_name_is_unknown(capsys):
    assert main(["jobs", "run", "no_such_job"]) == 2
    assert "medevac_purge" in capsys.readouterr().err and not Job.objects.exists()


def test_jobs_run_runs_here_and_reports_a_failure(monkeypatch, capsys):
    monkeypatch.setenv("SAFEPASSAGE_DRIVER_RETENTION_DAYS", "soon")
    assert main(["jobs", "run", "driver_names_purge"]) == 1
    job = Job.objects.get(kind="driver_names_purge")
    assert job.status == "failed" and "whole number of days" in capsys.readouterr().out


def test_what_people_ask_for_runs_before_the_schedules_work(settings, overdue_notification):
    settings.SAFEPASSAGE_SCHEDULES = {
        "deadline_sweep": {"task": "safepassage.deconfliction.tasks.record_no_answers", "every_minutes": 5}}
    from safepassage.deconfliction import tasks

    [scheduled] = schedules.enqueue_due(_at("2026-12-06 00:12"))
    asked = jobs.enqueue(kind="deadline_sweep", task=tasks.record_no_answers)
    assert default_task_backend.get_result(scheduled.task_id).task.priority == schedules.HOUSEKEEPING_PRIORITY
    assert default_task_backend.get_result(asked.task_id).task.priority == 0
