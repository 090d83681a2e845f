"""Editions: published as a background job with progress, archived with SHA-256, never regenerated in place."""

from __future__ import annotations

import hashlib

import pytest

from tests.reports.conftest import DAY, TZ

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def immediate_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}
    settings.MEDIA_ROOT = tmp_path


def test_publish_archives_every_format_with_its_sha256(actors, day_of_records, immediate_tasks):
    from safepassage.audit.models import AuditEntry

    coordinator = actors["coordinator"]
    r = coordinator.post(f"/api/bulletins/{DAY}/editions", {"tz": TZ})
    assert r.status_code == 202, r.content
    job = coordinator.get(f"/api/jobs/{r.json()['job_id']}").json()
    assert job["status"] == "succeeded" and job["progress"]["done"] == job["progress"]["total"] == 13
    editions = actors["public"].get(f"/api/bulletins/{DAY}/editions").json()
    assert len(editions) == 1
    files = editions[0]["files"]
    assert {"json", "pdf.ar", "html.fr", "md.ru"} <= set(files)
    for meta in files.values():
        body = actors["public"].client.get(meta["url"])
        assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == meta["sha256"]
    assert AuditEntry.objects.filter(action="bulletin.published").count() == 1
    # a second publication is a new edition; the first stays as it was
    coordinator.post(f"/api/bulletins/{DAY}/editions", {"tz": TZ})
    again = actors["public"].get(f"/api/bulletins/{DAY}/editions").json()
    assert len(again) == 2 and again[1]["files"] == files


def test_only_publishers_may_publish_and_the_page_lists_editions(actors, day_of_records, immediate_tasks, client):
    from safepassage.accounts.models import User

    assert actors["partner"].post(f"/api/bulletins/{DAY}/editions", {}).status_code == 403
    assert actors["public"].post(f"/api/bulletins/{DAY}/editions", {}).status_code == 401
    client.force_login(User.objects.get(username="u_coordinator"))
    r = client.post(f"/bulletins/{DAY}/publish", {"tz": TZ})
    assert r.status_code == 302 and "?job=" in r["Location"]
    page = client.get(r["Location"]).content.decode()
    assert "succeeded" in page and "pdf.ar" in page


def test_a_tampered_archive_file_is_not_served(actors, day_of_records, immediate_tasks, settings):
    from pathlib import Path

    from safepassage.reports.models import Edition

    actors["coordinator"].post(f"/api/bulletins/{DAY}/editions", {"tz": TZ})
    e = Edition.objects.get()
    (Path(settings.MEDIA_ROOT) / e.files["md.en"]["name"]).write_text("rewritten")
    r = actors["public"].client.get(f"/api/editions/{e.pk}/files/md.en")
    assert r.status_code == 422 and "SHA-256" in r.json()["detail"]


def test_the_schedule_publishes_every_morning(settings):
    assert settings.SAFEPASSAGE_SCHEDULES["daily_bulletin"] == {
        "task": "safepassage.reports.tasks.publish_bulletin", "daily_at": "06:00"}
