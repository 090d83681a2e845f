"""Corridors and checkpoints through the API: happy paths, bad input, concurrency, audit."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.corridors import selectors
from tests.conftest import LINE

pytestmark = pytest.mark.django_db

NEW = {"name": "North exit", "geometry": LINE, "direction": "out", "eligible_groups": ["civilians", "wounded_sick"],
       "opens_at": "08:00", "closes_at": "17:00"}


def test_coordinator_creates_corridor_closed_with_history_and_audit(coordinator):
    r = coordinator.post("/api/corridors", NEW)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "closed" and body["version"] == 1
    assert body["eligible_groups"] == ["civilians", "wounded_sick"]
    assert [h["status"] for h in body["status_history"]] == ["closed"]
    entry = AuditEntry.objects.get(action="corridor.created", object_id=str(body["id"]))
    assert entry.after["name"] == "North exit" and entry.actor_label == f"coordinator#{entry.actor_id}"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"geometry": {"type": "Point", "coordinates": [37.1, 36.2]}}, "geometry"),
        ({"geometry": {"type": "LineString", "coordinates": [[37.1, 36.2], [37.1, 36.2]]}}, "geometry"),
        ({"geometry": {"type": "LineString", "coordinates": [[237.1, 36.2], [37.2, 36.2]]}}, "geometry"),
        ({"eligible_groups": []}, "eligible_groups"),
        ({"eligible_groups": ["tourists"]}, "eligible_groups.0"),
        ({"direction": "sideways"}, "direction"),
        ({"opens_at": "08:00", "closes_at": "08:00"}, "closes_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "bad\x00name"}, "name"),
    ],
)
def test_bad_corridor_input_names_the_field(coordinator, patch, field):
    r = coordinator.post("/api/corridors", {**NEW, **patch})
    assert r.status_code == 422, r.content
    fields = [e["field"] for e in r.json()["errors"]]
    assert field in fields, r.json()
    assert all(e["reason"] for e in r.json()["errors"])
    assert not AuditEntry.objects.filter(action="corridor.created").exists()


def test_stale_version_is_refused_with_409_and_nothing_changes(coordinator, corridor):
    first = coordinator.patch(f"/api/corridors/{corridor.pk}", {"version": 1, "notes": "first"})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = coordinator.patch(f"/api/corridors/{corridor.pk}", {"version": 1, "notes": "second"})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version"
    corridor.refresh_from_db()
    assert corridor.notes == "first" and corridor.version == 2


def test_status_change_needs_reason_and_is_kept_in_history(actors, corridor):
    field = actors["field_officer"]
    r = field.post(f"/api/corridors/{corridor.pk}/status", {"status": "open", "reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = field.post(f"/api/corridors/{corridor.pk}/status", {"status": "open", "reason": "agreed at 07:30"})
    assert r.status_code == 200, r.content
    assert [h["status"] for h in r.json()["status_history"]] == ["closed", "open"]
    again = field.post(f"/api/corridors/{corridor.pk}/status", {"status": "open", "reason": "again"})
    assert again.status_code == 409


def test_status_at_a_past_time(coordinator, corridor):
    from safepassage.corridors import services
    from tests.conftest import SYSTEM

    services.set_corridor_status(corridor_id=corridor.pk, status="open", reason="r1", by=SYSTEM,
                                 at=datetime(2030, 1, 1, tzinfo=UTC))
    r = coordinator.get("/api/corridors", at="2029-06-01T00:00:00Z")
    assert r.json()["items"][0]["status_at"] == "closed"
    r = coordinator.get("/api/corridors", at="2030-06-01T00:00:00Z")
    assert r.json()["items"][0]["status_at"] == "open"
    naive = coordinator.get("/api/corridors", at="2030-06-01T00:00:00")
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "at"


def test_hours_across_midnight(corridor):
    corridor.opens_at, corridor.closes_at, corridor.timezone = time(22, 0), time(6, 0), "UTC"
    assert selectors.within_hours(corridor, datetime(2030, 1, 1, 23, 0, tzinfo=UTC))
    assert selectors.within_hours(corridor, datetime(2030, 1, 1, 5, 59, tzinfo=UTC))
    assert not selectors.within_hours(corridor, datetime(2030, 1, 1, 6, 0, tzinfo=UTC))
    assert selectors.open_until(corridor, datetime(2030, 1, 1, 23, 0, tzinfo=UTC)) == datetime(
        2030, 1, 2, 6, 0, tzinfo=UTC)


def test_public_reads_corridors_but_cannot_write(actors, corridor):
    assert actors["public"].get("/api/corridors").status_code == 200
    assert actors["public"].post("/api/corridors", NEW).status_code == 401
    assert actors["partner"].post("/api/corridors", NEW).status_code == 403


def test_list_paginates_and_filters(coordinator, corridor):
    for i in range(3):
        assert coordinator.post("/api/corridors", {**NEW, "name": f"c{i}"}).status_code == 201
    r = coordinator.get("/api/corridors", limit=2, offset=1)
    assert r.json()["count"] == 4 and len(r.json()["items"]) == 2
    assert coordinator.get("/api/corridors", status="open").json()["count"] == 0
    assert coordinator.get("/api/corridors", bbox="0,0,1,1").json()["count"] == 0
    assert coordinator.get("/api/corridors", bbox="37,36,38,37").json()["count"] == 4
    bad = coordinator.get("/api/corridors", bbox="1,2,3")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bbox"


def test_checkpoints(coordinator, corridor):
    r = coordinator.post("/api/checkpoints", {"corridor_id": corridor.pk, "name": "CP1", "lon": 37.17, "lat": 36.25})
    assert r.status_code == 201, r.content
    dup = coordinator.post("/api/checkpoints", {"corridor_id": corridor.pk, "name": "CP1", "lon": 37.1, "lat": 36.2})
    assert dup.status_code == 422 and dup.json()["errors"][0]["field"] == "name"
    unknown = coordinator.post("/api/checkpoints", {"corridor_id": 999999, "name": "X", "lon": 37.1, "lat": 36.2})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "corridor_id"
    cp = r.json()
    assert coordinator.patch(f"/api/checkpoints/{cp['id']}", {"version": 1, "lat": 36.3}).json()["lat"] == 36.3
    assert coordinator.patch(f"/api/checkpoints/{cp['id']}", {"version": 1, "lat": 36.4}).status_code == 409
    listed = coordinator.get("/api/checkpoints", corridor_id=corridor.pk).json()
    assert listed["count"] == 1 and listed["items"][0]["corridor"] == "Test corridor"
