"""Movements checked at the time they happened against the agreed pause and the corridor; a coordinator's override."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.convoys.models import MovementOverride
from safepassage.core.timeutil import now
from tests.convoys.fixtures import the_day_has_come
from tests.convoys.test_lifecycle import ready

pytestmark = pytest.mark.django_db
SEALS = {"found": [{"number": "S-100", "intact": True}, {"number": "S-101", "intact": True}]}
LINES = [{"line_no": 1, "quantity_received": 400}, {"line_no": 2, "quantity_received": 50},
         {"line_no": 3, "quantity_received": 12000}]


def move(api, c, to, **body):
    return api.post(f"/api/convoys/{c['id']}/status", {"status": to, **body})


def test_departure_outside_the_pause_is_refused_with_the_reason(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    r = move(actors["field_officer"], c, "departed")
    assert r.status_code == 409
    body = r.json()
    assert "outside the agreement" in body["detail"] and "override_reason" in body["detail"]
    problems = {e["field"]: e["reason"] for e in body["errors"]}
    assert f"is outside pause #{scene.pause.pk} 'Pause for the convoy'" in problems["pause"]
    # the corridor's hours apply too when the test runs outside 06:00-18:00 (it runs at the wall clock's time)
    assert "corridor" not in problems or "outside corridor 'Cargo corridor' hours 06:00-18:00" in problems["corridor"]
    # a field officer cannot override; nothing is stored
    r = move(actors["field_officer"], c, "departed", override_reason="the parties agreed by phone")
    assert r.status_code == 403 and "only a coordinator" in r.json()["detail"]
    assert coordinator.get(f"/api/convoys/{c['id']}").json()["status"] == "cleared"
    assert not MovementOverride.objects.exists()
    # an empty reason is not a reason
    assert move(coordinator, c, "departed", override_reason="  ").status_code == 422


def test_coordinators_override_is_stored_audited_and_shown(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    r = move(coordinator, c, "departed", override_reason="both parties agreed by phone to an early start")
    assert r.status_code == 200, r.content
    detail = r.json()
    assert detail["status"] == "departed"
    [o] = detail["overrides"]
    assert o["event"] == "departed" and o["by"] == "u_coordinator"
    assert o["reason"] == "both parties agreed by phone to an early start"
    assert any("outside pause" in p for p in o["problems"])
    entry = AuditEntry.objects.get(action="convoy.movement_overridden")
    assert entry.object_id == str(c["id"]) and entry.after["reason"] == o["reason"]
    board = coordinator.get("/api/convoys/board").json()["items"][0]
    assert board["overrides"][0]["reason"] == o["reason"]
    # positions, arrival and delivery are checked the same way
    field = actors["field_officer"]
    pos = field.post(f"/api/convoys/{c['id']}/positions", {"lon": 37.15, "lat": 36.21})
    assert pos.status_code == 409 and "pause" in {e["field"] for e in pos.json()["errors"]}
    pos = coordinator.post(f"/api/convoys/{c['id']}/positions",
                           {"lon": 37.15, "lat": 36.21, "override_reason": "reported late by radio"})
    assert pos.status_code == 201, pos.content
    assert move(field, c, "arrived").status_code == 409
    assert move(coordinator, c, "arrived", override_reason="arrived early, agreed").status_code == 200
    assert field.post(f"/api/convoys/{c['id']}/seal-check", SEALS).status_code == 200
    done = field.post(f"/api/convoys/{c['id']}/delivery", {"received_by": "Council", "lines": LINES})
    assert done.status_code == 409 and "delivered at" in done.json()["detail"]
    done = coordinator.post(f"/api/convoys/{c['id']}/delivery",
                            {"received_by": "Council", "lines": LINES, "override_reason": "unloaded at once"})
    assert done.status_code == 201, done.content
    assert [o["event"] for o in done.json()["overrides"]] == ["departed", "position", "arrived", "delivered"]
    assert AuditEntry.objects.filter(action="convoy.movement_overridden").count() == 4


def test_movement_inside_the_pause_needs_no_override_and_event_time_is_checked(actors, coordinator, scene,
                                                                               convoy):
    c = ready(actors, coordinator, scene, convoy)
    the_day_has_come(scene)
    field = actors["field_officer"]
    future = (now() + timedelta(hours=1)).isoformat()
    r = move(field, c, "departed", at=future)
    assert r.status_code == 422 and "cannot be in the future" in r.json()["errors"][0]["reason"]
    r = move(field, c, "departed", at=now().isoformat())
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "departed" and r.json()["overrides"] == []
    pos = field.post(f"/api/convoys/{c['id']}/positions", {"lon": 37.15, "lat": 36.21, "at": future})
    assert pos.status_code == 422
    # the corridor closed since: a position reported now is refused, naming the corridor's status
    from safepassage.corridors import services as corridors
    from tests.conftest import SYSTEM
    corridors.set_corridor_status(corridor_id=scene.corridor.pk, status="closed", reason="shelling", by=SYSTEM)
    pos = field.post(f"/api/convoys/{c['id']}/positions", {"lon": 37.15, "lat": 36.21})
    assert pos.status_code == 409
    assert "corridor 'Cargo corridor' was closed" in {e["field"]: e["reason"] for e in pos.json()["errors"]}[
        "corridor"]
    assert not coordinator.get(f"/api/convoys/{c['id']}").json()["overrides"]
