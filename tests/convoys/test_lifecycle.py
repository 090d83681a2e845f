"""From notification to delivery: acknowledgements, inspection, clearance, seals, receipt, incidents."""

from __future__ import annotations

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.audit.services import verify_chain
from tests.convoys.fixtures import local, the_day_has_come

pytestmark = pytest.mark.django_db


def fields(r) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in r.json()["errors"]}


def notify(coordinator, scene, convoy, **over):
    body = {"deadline": scene.deadline.isoformat(), "party_ids": [p.pk for p in scene.parties.values()], **over}
    r = coordinator.post(f"/api/convoys/{convoy['id']}/notify", body)
    assert r.status_code == 200, r.content
    return r.json()


def ack_all(actors, convoy_json):
    nid = convoy_json["notification"]["id"]
    for who in ("party_liaison", "liaison_b"):
        r = actors[who].post(f"/api/notifications/{nid}/answer", {"state": "acknowledged"})
        assert r.status_code == 200, r.content


def inspect(actors, convoy_json, scene, **over):
    body = {"result": "cleared", "no_weapons_attested": True, "items_checked": [1, 2, 3],
            "seals": ["S-100", "S-101"], "place_id": scene.origin.pk, **over}
    return actors["field_officer"].post(f"/api/convoys/{convoy_json['id']}/inspections", body)


def status(api, convoy_json, to, reason=""):
    return api.post(f"/api/convoys/{convoy_json['id']}/status", {"status": to, "reason": reason})


def ready(actors, coordinator, scene, convoy):
    c = notify(coordinator, scene, convoy)
    ack_all(actors, c)
    assert inspect(actors, c, scene).status_code == 201
    r = status(coordinator, c, "cleared")
    assert r.status_code == 200, r.content
    return r.json()


def test_full_journey_to_delivery_with_discrepancy(actors, coordinator, scene, convoy):
    c = notify(coordinator, scene, convoy)
    assert c["status"] == "notified" and c["notification"]["missing"] == ["Party A", "Party B"]
    blocked = status(coordinator, c, "cleared")
    assert blocked.status_code == 409
    problems = fields(blocked)
    assert "Party A, Party B" in problems["notification"]
    assert "no cleared inspection" in problems["inspection"]

    ack_all(actors, c)
    assert inspect(actors, c, scene).status_code == 201
    c = status(coordinator, c, "cleared").json()
    assert c["status"] == "cleared" and c["cleared_to_move"] and c["notification"]["missing"] == []

    field = actors["field_officer"]
    the_day_has_come(scene)
    assert status(field, c, "departed").status_code == 200
    pos = field.post(f"/api/convoys/{c['id']}/positions", {"lon": 37.15, "lat": 36.21, "note": "checkpoint 1"})
    assert pos.status_code == 201 and pos.json()["position"]["lon"] == 37.15
    inc = field.post(f"/api/convoys/{c['id']}/incidents",
                     {"kind": "restriction_of_movement", "description": "road blocked for 40 minutes",
                      "at": local(scene.day, 9).isoformat()})
    assert inc.status_code == 201 and inc.json()["incidents"][0]["kind"] == "restriction_of_movement"
    assert status(field, c, "arrived").status_code == 200

    early = field.post(f"/api/convoys/{c['id']}/delivery",
                       {"received_by": "Local council warehouse", "lines": []})
    assert early.status_code == 409 and "seals" in fields(early)
    seals = field.post(f"/api/convoys/{c['id']}/seal-check",
                       {"found": [{"number": "S-100", "intact": True}, {"number": "S-101", "intact": True}]})
    assert seals.status_code == 200 and seals.json()["alert"] is False

    lines = [{"line_no": 1, "quantity_received": 400}, {"line_no": 2, "quantity_received": "48"},
             {"line_no": 3, "quantity_received": 12000}]
    missing = field.post(f"/api/convoys/{c['id']}/delivery", {"received_by": "Council", "lines": lines[:2]})
    assert missing.status_code == 422 and "line(s) 3" in fields(missing)["lines"]
    negative = field.post(f"/api/convoys/{c['id']}/delivery",
                          {"received_by": "Council", "lines": [*lines[:2], {"line_no": 3, "quantity_received": -1}]})
    assert negative.status_code == 422 and "lines.2.quantity_received" in fields(negative)
    done = field.post(f"/api/convoys/{c['id']}/delivery", {"received_by": "Local council warehouse", "lines": lines})
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["status"] == "delivered" and body["allowed_next"] == []
    receipt = body["receipt"]
    assert receipt["has_discrepancies"]
    flagged = [x for x in receipt["lines"] if x["discrepancy"]]
    assert [(x["line_no"], x["difference"]) for x in flagged] == [(2, "-2.000")]
    assert [h["status"] for h in body["status_history"]] == [
        "planned", "notified", "cleared", "departed", "arrived", "delivered"]
    assert verify_chain().ok


def test_illegal_transitions_name_the_allowed_next_states(coordinator, convoy):
    r = status(coordinator, convoy, "departed")
    assert r.status_code == 409
    assert "allowed next: aborted, notified" in r.json()["detail"]
    assert sorted(e["reason"] for e in r.json()["errors"] if e["field"] == "allowed_next") == ["aborted", "notified"]
    r = status(coordinator, convoy, "notified")
    assert r.status_code == 409 and "send the notification" in r.json()["detail"]
    assert status(coordinator, convoy, "aborted").status_code == 422  # a reason is required
    r = status(coordinator, convoy, "aborted", "the pause collapsed")
    assert r.status_code == 200 and r.json()["allowed_next"] == []
    again = status(coordinator, convoy, "planned")
    assert again.status_code == 409 and "none (final state)" in again.json()["detail"]


def test_inspection_rules(actors, scene, convoy):
    r = inspect(actors, convoy, scene, no_weapons_attested=False)
    assert r.status_code == 422 and "no weapons" in fields(r)["no_weapons_attested"]
    r = inspect(actors, convoy, scene, items_checked=[1, 2])
    assert r.status_code == 422 and "line(s) 3 not checked" in fields(r)["items_checked"]
    r = inspect(actors, convoy, scene, items_checked=[1, 2, 3, 9])
    assert "no manifest line 9" in fields(r)["items_checked"]
    r = inspect(actors, convoy, scene, seals=[])
    assert "seals" in fields(r)
    r = inspect(actors, convoy, scene, seals=["S-1", "s-1"])
    assert "seals.1" in fields(r)
    disc = [{"item": "Trauma kits", "expected": "50", "found": "48"}]
    r = inspect(actors, convoy, scene, discrepancies=disc)
    assert "cleared_with_remarks or refused" in fields(r)["result"]
    r = inspect(actors, convoy, scene, result="cleared_with_remarks", discrepancies=disc)
    assert "remarks" in fields(r)
    r = inspect(actors, convoy, scene, place_id=None)
    assert "checkpoint_id" in fields(r)
    r = inspect(actors, convoy, scene, result="cleared_with_remarks", discrepancies=disc,
                remarks="two kits short, manifest to be corrected")
    assert r.status_code == 201, r.content
    assert r.json()["inspection_state"] == "cleared_with_remarks"
    assert r.json()["inspections"][0]["discrepancies"] == disc
    assert AuditEntry.objects.filter(action="convoy.inspected").count() == 1
    # the coordinator may not inspect; the field officer may
    assert actors["coordinator"].post(f"/api/convoys/{convoy['id']}/inspections", {}).status_code == 403


def test_manifest_change_voids_the_inspection_and_the_clearance(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    r = coordinator.call("PUT", f"/api/convoys/{c['id']}/manifest",
                         {"version": c["version"], "lines": [{"item": "Rice", "category": "food", "quantity": 1,
                                                              "unit": "t", "weight_kg": 1000}]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "notified" and body["inspection_state"] == "outdated"
    assert "no cleared inspection of the current manifest" in body["clearance_problems"]


def test_refused_inspection_sends_a_cleared_convoy_back(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    r = inspect(actors, c, scene, result="refused", remarks="undeclared boxes", no_weapons_attested=False,
                items_checked=[1])
    assert r.status_code == 201 and r.json()["status"] == "notified"


def test_broken_or_changed_seals_are_flagged(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    field = actors["field_officer"]
    the_day_has_come(scene)
    assert status(field, c, "departed").status_code == 200
    assert field.post(f"/api/convoys/{c['id']}/seal-check", {"found": []}).status_code == 409  # not arrived
    assert status(field, c, "arrived").status_code == 200
    r = field.post(f"/api/convoys/{c['id']}/seal-check",
                   {"found": [{"number": "S-100", "intact": False}, {"number": "S-999", "intact": True}]})
    assert r.status_code == 200
    body = r.json()
    assert body["alert"] is True and body["unexpected"] == ["S-999"]
    assert {s["number"]: s["state"] for s in body["seals"]} == {"S-100": "broken", "S-101": "changed"}
    detail = coordinator.get(f"/api/convoys/{c['id']}").json()
    assert detail["seal_alert"] is True
    r = field.post(f"/api/convoys/{c['id']}/seal-check", {"found": [{"number": "S-100", "intact": True}]})
    assert {s["number"]: s["state"] for s in r.json()["seals"]} == {"S-100": "intact", "S-101": "missing"}


def test_route_change_renotifies_and_lapses_clearance(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    old_id = c["notification"]["id"]
    later = {"version": c["version"], "planned_departure": local(scene.day, 9).isoformat()}
    r = coordinator.patch(f"/api/convoys/{c['id']}", later)
    assert r.status_code == 422 and "notification_deadline" in fields(r)
    r = coordinator.patch(f"/api/convoys/{c['id']}", {**later, "notification_deadline": scene.deadline.isoformat()})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "notified"
    assert body["notification"]["revision"] == 2 and body["notification"]["id"] != old_id
    assert body["notification"]["missing"] == ["Party A", "Party B"]
    # an acknowledgement of the old revision does not count and is refused
    late = actors["party_liaison"].post(f"/api/notifications/{old_id}/answer", {"state": "acknowledged"})
    assert late.status_code == 409 and "superseded by revision 2" in late.json()["detail"]


def test_departed_convoy_cannot_be_changed(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    the_day_has_come(scene)
    assert status(actors["field_officer"], c, "departed").status_code == 200
    r = coordinator.patch(f"/api/convoys/{c['id']}", {"version": c["version"] + 1, "title": "x"})
    assert r.status_code == 409


def test_driver_names_are_restricted_and_their_reads_logged(actors, coordinator, scene, convoy):
    reads = AuditEntry.objects.filter(action="personal_data.read", object_id=str(convoy["id"]))
    # planning a convoy shows no driver names and records no personal-data read
    assert convoy["vehicles"][0]["driver_names"] is None and not reads.exists()
    shown = coordinator.get(f"/api/convoys/{convoy['id']}").json()
    assert shown["vehicles"][0]["driver_names"] == ["Driver One"]
    assert reads.count() == 1 and reads.get().after == {"data": "driver_names", "purpose": "convoy detail"}
    assert actors["partner"].get(f"/api/convoys/{convoy['id']}").json()["vehicles"][0]["driver_names"] is None
    notify(coordinator, scene, convoy)
    liaison_view = actors["party_liaison"].get(f"/api/convoys/{convoy['id']}").json()
    assert liaison_view["vehicles"][0]["driver_names"] is None
    assert [a["party"] for a in liaison_view["notification"]["answers"]] == ["Party A"]
    assert liaison_view["notification"]["missing"] == ["Party A"] and liaison_view["clearance_problems"] == []
    assert "Party B" not in str(liaison_view)
    listed = coordinator.get("/api/convoys").json()["items"][0]
    assert listed["vehicles"][0]["driver_names"] is None
    changed = coordinator.patch(f"/api/convoys/{convoy['id']}", {"version": listed["version"], "notes": "x"})
    assert changed.status_code == 200 and changed.json()["vehicles"][0]["driver_names"] is None
    assert reads.count() == 1  # only the planner's GET above read them
    driver_audits = AuditEntry.objects.filter(action__startswith="convoy.").values_list("after", flat=True)
    assert "Driver One" not in str(list(driver_audits))


def test_abort_withdraws_the_notification(actors, coordinator, scene, convoy):
    c = notify(coordinator, scene, convoy)
    r = status(coordinator, c, "aborted", "the pause was violated")
    assert r.status_code == 200
    n = coordinator.get(f"/api/notifications/{c['notification']['id']}").json()
    assert n["state"] == "withdrawn" and "the pause was violated" in n["state_reason"]


def test_vehicle_change_after_notification_is_renotified(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    url = f"/api/convoys/{c['id']}/vehicles"
    swapped = [{"plate": "ALP-2001", "vehicle_type": "truck", "markings": "white", "driver_names": ["D"]}]
    r = coordinator.call("PUT", url, {"version": c["version"], "vehicles": swapped})
    assert r.status_code == 422 and "notification_deadline" in fields(r)
    r = coordinator.call("PUT", url, {"version": c["version"], "vehicles": swapped,
                                      "notification_deadline": scene.deadline.isoformat()})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "notified" and body["notification"]["revision"] == 2
    n = coordinator.get(f"/api/notifications/{body['notification']['id']}").json()
    assert "ALP-2001" in n["description"] and "ALP-1001" not in n["description"]
    # the same vehicles again: nothing to re-notify
    same = coordinator.call("PUT", url, {"version": body["version"], "vehicles": swapped})
    assert same.status_code == 200 and same.json()["notification"]["revision"] == 2


def _list_queries(coordinator, scene, n: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    while coordinator.get("/api/convoys").json()["count"] < n:
        created = coordinator.post("/api/convoys", scene.convoy_body())
        assert created.status_code == 201
        notify(coordinator, scene, created.json())  # a notified convoy lists what keeps it from clearance
    with CaptureQueriesContext(connection) as ctx:
        r = coordinator.get("/api/convoys", limit=100)
    assert r.status_code == 200 and len(r.json()["items"]) == n
    assert all(i["status"] == "notified" and i["clearance_problems"] for i in r.json()["items"])
    return len(ctx.captured_queries)


def test_convoy_list_takes_the_same_queries_whatever_its_length(actors, coordinator, scene, convoy):
    assert inspect(actors, convoy, scene).status_code == 201
    notify(coordinator, scene, convoy)
    two = _list_queries(coordinator, scene, 2)
    assert two == _list_queries(coordinator, scene, 10)


def test_inspection_and_seal_check_take_the_time_they_happened_never_a_future_one(actors, coordinator, scene, convoy):
    from datetime import UTC, datetime, timedelta

    from safepassage.convoys.models import Inspection

    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = inspect(actors, convoy, scene, at=future)
    assert r.status_code == 422 and "future" in fields(r)["at"]
    earlier = datetime.now(UTC) - timedelta(minutes=30)
    r = inspect(actors, convoy, scene, at=earlier.isoformat())
    assert r.status_code == 201, r.content
    assert Inspection.objects.get(convoy_id=convoy["id"]).at == earlier
    c = ready(actors, coordinator, scene, convoy)
    the_day_has_come(scene)
    field = actors["field_officer"]
    assert status(field, c, "departed").status_code == 200 and status(field, c, "arrived").status_code == 200
    r = field.post(f"/api/convoys/{c['id']}/seal-check", {"found": [{"number": "S-100", "intact": True}],
                                                           "at": future})
    assert r.status_code == 422 and "future" in fields(r)["at"]
