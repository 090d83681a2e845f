"""Planning a convoy: manifest and vehicle validation, schedule inside a pause and the corridor's hours."""

from __future__ import annotations

from datetime import time

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.convoys.models import Convoy, ManifestLine
from tests.conftest import SYSTEM
from tests.convoys.fixtures import MANIFEST

pytestmark = pytest.mark.django_db


def fields(r) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in r.json()["errors"]}


def test_coordinator_plans_a_convoy_inside_the_pause(coordinator, scene, convoy):
    assert convoy["status"] == "planned" and convoy["pause_id"] == scene.pause.pk
    assert convoy["allowed_next"] == ["aborted", "notified"]
    assert [m["line_no"] for m in convoy["manifest"]] == [1, 2, 3]
    assert convoy["manifest"][1]["weight_kg"] == "750.500"
    assert convoy["route"] == scene.corridor.geometry
    assert AuditEntry.objects.filter(action="convoy.created", object_id=str(convoy["id"])).exists()
    assert [h["status"] for h in convoy["status_history"]] == ["planned"]


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({"quantity": -5}, "manifest.1.quantity", "negative"),
        ({"quantity": "twelve"}, "manifest.1.quantity", "not a number"),
        ({"quantity": 0}, "manifest.1.quantity", "greater than zero"),
        ({"quantity": "1.0001"}, "manifest.1.quantity", "decimal"),
        ({"quantity": None}, "manifest.1.quantity", "number is required"),
        ({"unit": "barrels"}, "manifest.1.unit", "unknown unit"),
        ({"category": "weapons"}, "manifest.1.category", "unknown category"),
        ({"item": "  "}, "manifest.1.item", "name the item"),
        ({"weight_kg": -1}, "manifest.1.weight_kg", "negative"),
        ({"item": " wheat  FLOUR", "category": "food", "unit": "bag"}, "manifest.1.item", "duplicate of line 0"),
    ],
)
def test_bad_manifest_lines_get_field_level_errors_and_nothing_is_stored(coordinator, scene, line, field, words):
    manifest = [MANIFEST[0], {**MANIFEST[1], **line}]
    r = coordinator.post("/api/convoys", scene.convoy_body(manifest=manifest))
    assert r.status_code == 422, r.content
    assert field in fields(r), r.json()
    assert words in fields(r)[field]
    assert not Convoy.objects.exists() and not ManifestLine.objects.exists()


def test_every_manifest_error_is_reported_at_once(coordinator, scene):
    manifest = [{**MANIFEST[0], "quantity": -1, "unit": "gallon"}, {**MANIFEST[1], "quantity": "x"}]
    r = coordinator.post("/api/convoys", scene.convoy_body(manifest=manifest))
    assert r.status_code == 422
    assert {"manifest.0.quantity", "manifest.0.unit", "manifest.1.quantity"} <= set(fields(r))


def test_vehicle_plates_must_be_distinct(coordinator, scene):
    v = {"plate": "X1", "vehicle_type": "truck"}
    r = coordinator.post("/api/convoys", scene.convoy_body(vehicles=[v, {**v, "plate": "x1"}]))
    assert r.status_code == 422 and "vehicles.1.plate" in fields(r)


def test_departure_outside_the_pause_is_refused_naming_the_window(coordinator, scene):
    r = coordinator.post("/api/convoys", scene.convoy_body(planned_departure=scene.at(6, 30).isoformat()))
    assert r.status_code == 422
    reason = fields(r)["planned_departure"]
    assert f"pause #{scene.pause.pk}" in reason and "starts after the planned departure" in reason
    r = coordinator.post("/api/convoys", scene.convoy_body(planned_arrival=scene.at(16).isoformat()))
    assert "ends before the planned arrival" in fields(r)["planned_departure"]


def test_pause_not_agreed_is_named(coordinator, scene):
    from safepassage.pauses import services as pauses

    pauses.set_pause_status(pause_id=scene.pause.pk, status="proposed", reason="terms reopened", by=SYSTEM)
    r = coordinator.post("/api/convoys", scene.convoy_body())
    assert r.status_code == 422
    assert "is proposed, not agreed or active" in fields(r)["planned_departure"]


def test_corridor_state_direction_groups_and_hours_are_named(coordinator, scene):
    from safepassage.corridors import services as corridors

    c = scene.corridor
    corridors.set_corridor_status(corridor_id=c.pk, status="suspended", reason="shelling near the checkpoint",
                                  by=SYSTEM)
    c.refresh_from_db()
    corridors.update_corridor(corridor_id=c.pk, expected_version=c.version,
                              changes={"direction": "out", "eligible_groups": ["civilians"],
                                       "opens_at": time(9, 0), "closes_at": time(11, 0)}, by=SYSTEM)
    r = coordinator.post("/api/convoys", scene.convoy_body())
    assert r.status_code == 422
    reasons = " | ".join(e["reason"] for e in r.json()["errors"])
    assert "corridor 'Cargo corridor' is suspended" in reasons and "shelling near the checkpoint" in reasons
    assert "not open to humanitarian cargo (eligible: civilians)" in reasons
    assert "runs 'out'" in reasons and "'in' or 'both'" in reasons
    assert "departure at" in reasons and "outside corridor 'Cargo corridor' hours 09:00-11:00" in reasons


def test_arrival_after_closing_is_refused(coordinator, scene):
    from safepassage.corridors import services as corridors

    corridors.update_corridor(corridor_id=scene.corridor.pk, expected_version=scene.corridor.version,
                              changes={"closes_at": time(11, 0)}, by=SYSTEM)
    r = coordinator.post("/api/convoys", scene.convoy_body())
    assert r.status_code == 422
    assert "after corridor 'Cargo corridor' closes at" in fields(r)["planned_arrival"]


def test_naive_times_and_inverted_schedule(coordinator, scene):
    r = coordinator.post("/api/convoys", scene.convoy_body(planned_departure="2030-01-01T08:00:00"))
    assert r.status_code == 422 and "planned_departure" in fields(r)
    r = coordinator.post("/api/convoys", scene.convoy_body(planned_arrival=scene.at(7).isoformat()))
    assert r.status_code == 422 and "planned_arrival" in fields(r)


def test_unknown_references_name_the_field(coordinator, scene):
    for key in ("organisation_id", "origin_id", "destination_id", "corridor_id"):
        r = coordinator.post("/api/convoys", scene.convoy_body(**{key: 999999}))
        assert r.status_code == 422 and key in fields(r), key


def test_manifest_replace_with_version_and_field_errors(coordinator, convoy):
    url = f"/api/convoys/{convoy['id']}/manifest"
    bad = coordinator.call("PUT", url, {"version": convoy["version"], "lines": [{**MANIFEST[0], "quantity": "-3"}]})
    assert bad.status_code == 422 and "manifest.0.quantity" in fields(bad)
    ok = coordinator.call("PUT", url, {"version": convoy["version"], "lines": MANIFEST[:1]})
    assert ok.status_code == 200, ok.content
    assert ok.json()["manifest_version"] == 2 and len(ok.json()["manifest"]) == 1
    stale = coordinator.call("PUT", url, {"version": convoy["version"], "lines": MANIFEST})
    assert stale.status_code == 409


def test_roles(actors, scene, convoy):
    assert actors["partner"].post("/api/convoys", scene.convoy_body()).status_code == 403
    assert actors["public"].get("/api/convoys").status_code == 401
    assert actors["partner"].get(f"/api/convoys/{convoy['id']}").status_code == 200
    # a liaison whose party was not notified does not see the convoy
    assert actors["party_liaison"].get(f"/api/convoys/{convoy['id']}").status_code == 404
    assert actors["party_liaison"].get("/api/convoys").json()["count"] == 0


def test_destination_can_be_a_service_point_at_the_destination_place(coordinator, scene):
    from safepassage.servicepoints import services as servicepoints

    def point(name, place):
        return servicepoints.create_service_point(
            name=name, kind="meal_station", place_id=place.pk, corridor_id=scene.corridor.pk, capacity_per_hour=100,
            capacity_per_day=1000, opens_at=time(6), closes_at=time(20), by=SYSTEM)

    here, elsewhere = point("Meal station East", scene.destination), point("Meal station West", scene.origin)
    wrong = coordinator.post("/api/convoys", scene.convoy_body(destination_service_point_id=elsewhere.pk))
    assert wrong.status_code == 422 and "destination_service_point_id" in fields(wrong)
    r = coordinator.post("/api/convoys", scene.convoy_body(destination_service_point_id=here.pk))
    assert r.status_code == 201, r.content
    assert r.json()["destination_service_point_id"] == here.pk
    assert Convoy.objects.get(pk=r.json()["id"]).destination_service_point == here
