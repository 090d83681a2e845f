"""Hazards: a mine report near a corridor warns it everywhere, marks its movements, and a coordinator suspends it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.core.timeutil import now
from safepassage.incidents.models import Hazard
from tests.conftest import LINE, SYSTEM
from tests.incidents.conftest import incident_body

pytestmark = pytest.mark.django_db

ON_LINE = {"type": "Point", "coordinates": [37.1801, 36.2401]}  # ~10 m from the corridor's line
FAR = {"type": "Point", "coordinates": [37.0, 36.0]}


@pytest.fixture
def open_corridor(corridor):
    from safepassage.corridors import services

    return services.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed", by=SYSTEM)


def _notify(kind="evacuation", geometry=LINE):
    from safepassage.accounts.models import Party
    from safepassage.deconfliction import services

    start = now() + timedelta(days=3)
    return services.notify(kind=kind, title="Evacuation movement", geometry=geometry, starts_at=start,
                           ends_at=start + timedelta(hours=4), deadline=start - timedelta(days=1), party_ids=list(Party.objects.values_list("pk", flat=True)),
                           who="ICRC team", by=SYSTEM)


def _mine(actors, geometry=ON_LINE, **over):
    r = actors["monitor"].post("/api/incidents", incident_body(
        title="Mines reported on the road", categories=["access_mines_ied_uxo"], geometry=geometry, **over))
    assert r.status_code == 201, r.content
    return r.json()


def test_mine_report_warns_the_corridor_for_the_public_and_marks_movements(actors, open_corridor, parties):
    near_n, far_n = _notify(), _notify(geometry={"type": "LineString", "coordinates": [[36.0, 35.0], [36.1, 35.1]]})
    incident = _mine(actors)
    hazard = Hazard.objects.get()
    assert hazard.kind == "mines_uxo_ied" and hazard.status == "reported" and hazard.classification == "suspected"
    assert list(hazard.incidents.values_list("pk", flat=True)) == [incident["id"]]
    assert hazard.status_history.get().reason == f"reported by incident #{incident['id']}"

    public = actors["public"]
    [w] = public.get(f"/api/corridors/{open_corridor.pk}").json()["hazards"]
    assert w["kind"] == "mines_uxo_ied" and w["verification"] == "unverified" and w["status"] == "reported"
    assert w["text"].startswith("mine reported at 36.2401, 37.1801, unverified, since ")
    assert w["incident_ids"] == []  # the incident is neither verified nor published
    listed = public.get("/api/corridors").json()["items"]
    assert [len(c["hazards"]) for c in listed] == [1]
    [oc] = public.get("/api/open-now").json()["corridors"]
    assert oc["id"] == open_corridor.pk and oc["hazards"][0]["hazard_id"] == hazard.pk
    layers = public.get("/api/map/layers").json()
    [cf] = layers["corridors"]["features"]
    assert cf["properties"]["hazards"][0]["text"] == w["text"]
    [hf] = layers["hazards"]["features"]
    assert hf["geometry"] == ON_LINE and hf["properties"]["hazard_id"] == hazard.pk
    assert "description" not in hf["properties"] and "title" not in str(hf["properties"])
    [pub] = public.get("/api/hazards").json()
    assert pub["id"] == hazard.pk and pub["description"] == "" and pub["incident_ids"] is None
    assert "Mines reported on the road" not in str(public.get(f"/api/hazards/{hazard.pk}").json())
    staff = actors["coordinator"].get(f"/api/hazards/{hazard.pk}").json()
    assert staff["description"] == "Mines reported on the road" and staff["incident_ids"] == [incident["id"]]
    assert staff["corridor_ids"] == [open_corridor.pk]

    near_n.refresh_from_db()
    far_n.refresh_from_db()
    assert f"hazard #{hazard.pk}" in near_n.renotify_reason and near_n.renotify_flagged_at is not None
    assert far_n.renotify_reason == ""
    shown = actors["coordinator"].get(f"/api/notifications/{near_n.pk}").json()
    assert shown["renotify_reason"] == near_n.renotify_reason
    assert AuditEntry.objects.filter(action="notification.renotify_flagged", object_id=str(near_n.pk)).count() == 1
    # nothing is suspended automatically
    open_corridor.refresh_from_db()
    assert open_corridor.status == "open"


def test_the_incident_behind_the_warning_shows_once_verified_and_published(actors, open_corridor):
    incident = _mine(actors)
    from safepassage.incidents.models import Incident

    Incident.objects.filter(pk=incident["id"]).update(verification="verified")
    [w] = actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"]
    # the report is verified: the warning says so, the incident stays hidden until published
    assert w["verification"] == "verified" and ", verified, since " in w["text"] and w["incident_ids"] == []
    Incident.objects.filter(pk=incident["id"]).update(published=True)
    [w] = actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"]
    assert w["incident_ids"] == [incident["id"]]


def test_far_incidents_and_other_categories_do_not_warn(actors, open_corridor):
    _mine(actors, geometry=FAR)
    actors["monitor"].post("/api/incidents", incident_body(title="Checkpoint delay", geometry=ON_LINE,
                                                           categories=["access_restriction_of_movement"]))
    assert Hazard.objects.count() == 1
    assert actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"] == []


def test_shelling_in_hostilities_creates_a_shelling_zone_and_update_moves_it(actors, open_corridor):
    body = actors["monitor"].post("/api/incidents", incident_body(geometry=FAR)).json()  # "Shelling near..."
    hazard = Hazard.objects.get()
    assert hazard.kind == "shelling_zone"
    r = actors["monitor"].patch(f"/api/incidents/{body['id']}", {"geometry": ON_LINE})
    assert r.status_code == 200, r.content
    hazard.refresh_from_db()
    assert hazard.geometry == ON_LINE and Hazard.objects.count() == 1
    assert actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"][0]["kind"] == "shelling_zone"


def test_cleared_hazards_do_not_warn_and_status_history_is_kept(actors, open_corridor):
    _mine(actors)
    hazard = Hazard.objects.get()
    r = actors["monitor"].post(f"/api/hazards/{hazard.pk}/status", {"status": "cleared", "reason": "survey team: "
                                                                    "clearance completed"})
    assert r.status_code == 200, r.content
    assert [s["status"] for s in r.json()["history"]] == ["reported", "cleared"]
    assert r.json()["history"][1]["changed_by"] == "u_monitor"
    assert actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"] == []
    assert actors["public"].get("/api/map/layers").json()["hazards"]["features"] == []
    assert actors["public"].get(f"/api/hazards/{hazard.pk}").status_code == 404
    assert AuditEntry.objects.filter(action="hazard.status_changed", object_id=str(hazard.pk)).exists()
    refused = actors["monitor"].post(f"/api/hazards/{hazard.pk}/status", {"status": "cleared", "reason": "again"})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "status"


def test_confirmed_needs_direct_evidence(actors):
    r = actors["monitor"].post("/api/hazards", {"kind": "mines_uxo_ied", "geometry": ON_LINE,
                                                "classification": "confirmed", "evidence": "indirect"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "classification"
    assert actors["public"].post("/api/hazards", {"kind": "mines_uxo_ied", "geometry": ON_LINE}).status_code == 401


def test_coordinator_suspends_the_corridor_from_the_warning(actors, open_corridor):
    _mine(actors)
    hazard = Hazard.objects.get()
    path = f"/api/hazards/{hazard.pk}/suspend-corridor/{open_corridor.pk}"
    assert actors["monitor"].post(path).status_code == 403
    r = actors["coordinator"].post(path)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "suspended"
    assert body["status_history"][-1]["reason"].startswith(f"Suspended for hazard #{hazard.pk}: mine reported at")
    assert AuditEntry.objects.filter(action="corridor.status_changed", object_id=str(open_corridor.pk)).count() == 2
    assert AuditEntry.objects.filter(action="hazard.corridor_suspended", object_id=str(hazard.pk)).exists()
    again = actors["coordinator"].post(path)
    assert again.status_code == 409


def test_suspend_refused_for_a_far_corridor_or_a_cleared_hazard(actors, open_corridor):
    _mine(actors, geometry=FAR)
    hazard = Hazard.objects.get()
    r = actors["coordinator"].post(f"/api/hazards/{hazard.pk}/suspend-corridor/{open_corridor.pk}")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "corridor_id"
    assert actors["coordinator"].post(f"/api/hazards/99999/suspend-corridor/{open_corridor.pk}").status_code == 404


def test_buffer_and_in_force_are_settings(actors, open_corridor, settings):
    _mine(actors, geometry={"type": "Point", "coordinates": [37.1801, 36.2431]})  # ~330 m off the line
    assert actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"] == []
    settings.SAFEPASSAGE_HAZARD_BUFFER_M = 500
    assert len(actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"]) == 1
    settings.SAFEPASSAGE_HAZARDS_IN_FORCE = ("confirmed",)
    assert actors["public"].get(f"/api/corridors/{open_corridor.pk}").json()["hazards"] == []
