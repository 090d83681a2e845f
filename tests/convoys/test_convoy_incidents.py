"""Incidents on the way are incidents of the incidents app: one model, linked to the convoy and its corridor."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from safepassage.accounts.models import User
from safepassage.audit.models import AuditEntry
from safepassage.audit.services import verify_chain
from safepassage.incidents.models import Incident
from tests.convoys.fixtures import DAMASCUS, local

pytestmark = pytest.mark.django_db


def report(api, convoy, scene, **over):
    body = {"kind": "restriction_of_movement", "description": "road blocked for 40 minutes",
            "at": local(scene.day, 9, 15).isoformat(), "lon": 37.15, "lat": 36.21, **over}
    return api.post(f"/api/convoys/{convoy['id']}/incidents", body)


def test_the_convoy_route_records_one_incident_linked_to_the_convoy_and_its_corridor(actors, scene, convoy):
    r = report(actors["field_officer"], convoy, scene)
    assert r.status_code == 201, r.content
    [incident] = Incident.objects.all()
    assert list(incident.convoys.values_list("pk", flat=True)) == [convoy["id"]]
    assert list(incident.corridors.values_list("pk", flat=True)) == [scene.corridor.pk]
    assert incident.categories == ["access_restriction_of_movement"]
    assert incident.time_earliest == incident.time_latest == local(scene.day, 9, 15)
    assert incident.time_precision == "minute" and incident.verification == "unverified"
    assert not incident.published and incident.description == "road blocked for 40 minutes"
    assert incident.geometry == {"type": "Point", "coordinates": [37.15, 36.21]}
    assert incident.recorded_by.username == "u_field_officer"
    [read] = r.json()["incidents"]  # the answer keeps its shape and gains the incident's id and verification
    assert read["id"] == incident.pk and read["kind"] == "restriction_of_movement"
    assert read["verification"] == "unverified" and read["lon"] == 37.15 and read["lat"] == 36.21
    staff = actors["coordinator"].get("/api/incidents").json()
    assert [i["id"] for i in staff["items"]] == [incident.pk]
    assert actors["coordinator"].get(f"/api/incidents/{incident.pk}").json()["convoy_ids"] == [convoy["id"]]
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["incident.created", "convoy.incident_recorded"]
    assert AuditEntry.objects.get(action="convoy.incident_recorded").after["incident"] == incident.pk
    assert verify_chain().ok


def test_a_mine_reported_on_a_convoy_is_a_hazard_of_the_registry(actors, scene, convoy):
    assert report(actors["field_officer"], convoy, scene, kind="mines_ied_uxo").status_code == 201
    incident = Incident.objects.get()
    assert incident.categories == ["access_mines_ied_uxo"] and incident.hazards.count() == 1


@pytest.mark.parametrize(("over", "field"), [
    ({"lat": None}, "lon"),
    ({"description": "   "}, "description"),
    ({"kind": "rumour"}, "kind"),
    ({"at": "2016-10-20T09:00"}, "at"),
])
def test_bad_reports_name_the_field_and_store_nothing(actors, scene, convoy, over, field):
    r = report(actors["field_officer"], convoy, scene, **over)
    assert r.status_code == 422, r.content
    assert any(field in e["field"] for e in r.json()["errors"]), r.json()
    assert not Incident.objects.exists()


def test_only_who_may_track_records_and_a_liaison_sees_no_unverified_incident(actors, coordinator, scene, convoy):
    from tests.convoys.test_lifecycle import ack_all, notify

    assert report(actors["partner"], convoy, scene).status_code == 403
    assert report(actors["public"], convoy, scene).status_code in (401, 403)
    ack_all(actors, notify(coordinator, scene, convoy))
    assert report(actors["field_officer"], convoy, scene).status_code == 201
    assert actors["party_liaison"].get(f"/api/convoys/{convoy['id']}").json()["incidents"] == []
    incident = Incident.objects.get()
    Incident.objects.filter(pk=incident.pk).update(verification="verified", published=True)
    seen = actors["party_liaison"].get(f"/api/convoys/{convoy['id']}").json()["incidents"]
    assert [i["id"] for i in seen] == [incident.pk]


def test_the_board_shows_the_convoy_incident_and_links_to_it(actors, scene, convoy):
    assert report(actors["field_officer"], convoy, scene).status_code == 201
    incident = Incident.objects.get()
    client = Client()
    client.force_login(User.objects.get(username="u_coordinator"))
    html = client.get("/convoys/board/").content.decode()
    assert 'data-testid="convoy-incidents"' in html and incident.title in html
    assert f'href="/incidents/{incident.pk}/"' in html and "unverified" in html
    assert f'href="/incidents/new/?convoy={convoy["id"]}"' in html


def test_the_record_page_opened_from_the_board_links_the_convoy_and_its_corridor(actors, scene, convoy):
    client = Client()
    client.force_login(User.objects.get(username="u_monitor"))
    page = client.get(f"/incidents/new/?convoy={convoy['id']}").content.decode()
    assert f'name="convoy_id" value="{convoy["id"]}"' in page and convoy["reference"] in page
    r = client.post("/incidents/new/", {
        "title": "Convoy stopped", "categories": ["access_restriction_of_movement"], "time_precision": "unknown",
        "source_kind": "monitor", "source_name": "monitor 1", "source_connection": "witness",
        "source_statement": "The trucks waited two hours.", "convoy_id": str(convoy["id"]),
        "client_uuid": str(uuid.uuid4())})
    assert r.status_code == 302, r.content.decode()[:500]
    incident = Incident.objects.get()
    assert list(incident.convoys.values_list("pk", flat=True)) == [convoy["id"]]
    assert list(incident.corridors.values_list("pk", flat=True)) == [scene.corridor.pk]
    unknown = client.post("/incidents/new/", {"title": "x", "convoy_id": "999999", "client_uuid": str(uuid.uuid4())})
    assert unknown.status_code == 400 and Incident.objects.count() == 1


def test_the_bulletin_counts_the_convoy_incidents_of_the_day(actors, scene, convoy):
    assert report(actors["field_officer"], convoy, scene).status_code == 201
    day = scene.day.astimezone(DAMASCUS).date().isoformat()
    b = actors["coordinator"].get(f"/api/bulletins/{day}", tz="Asia/Damascus").json()
    [fig] = [f for s in b["sections"] for f in s["figures"] if f["key"] == "convoys.incidents"]
    assert fig["value"] == 1
    records = actors["coordinator"].client.get(fig["records"]).json()
    assert records["items"][0]["convoy_ids"] == [convoy["id"]]
    assert records["items"][0]["kind"] == "restriction_of_movement"
    public = actors["public"].get(f"/api/bulletins/{day}", tz="Asia/Damascus").json()
    assert "convoys.incidents" not in {f["key"] for s in public["sections"] for f in s["figures"]}


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_convoy_incidents_into_incidents_and_drops_the_old_model(scene, convoy):
    from datetime import UTC, datetime

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = "0003_movement_override"
    executor = MigrationExecutor(connection)
    executor.migrate([("convoys", before)])
    old = executor.loader.project_state([("convoys", before)]).apps.get_model("convoys", "ConvoyIncident")
    user = User.objects.create(username="old_field", role="field_officer")
    at, recorded = datetime(2016, 10, 20, 6, 40, tzinfo=UTC), datetime(2016, 10, 20, 7, 5, tzinfo=UTC)
    mine = old.objects.create(convoy_id=convoy["id"], at=at, kind="mines_ied_uxo", description="device at km 4",
                              lon=37.15, lat=36.21, recorded_by_id=user.pk, recorded_at=recorded)
    shots = old.objects.create(convoy_id=convoy["id"], at=at, kind="hostilities", description="shots heard",
                               recorded_by_id=None, recorded_at=recorded)
    call_command("migrate", "convoys", verbosity=0)

    moved = {e.after["convoy_incident"]: e for e in AuditEntry.objects.filter(action="convoy.incident_moved")}
    assert set(moved) == {mine.pk, shots.pk} and verify_chain().ok
    assert {e.object_id for e in moved.values()} == {str(convoy["id"])}
    first = Incident.objects.get(pk=moved[mine.pk].after["incident"])
    assert first.categories == ["access_mines_ied_uxo"] and first.description == "device at km 4"
    assert first.time_earliest == first.time_latest == at and first.time_precision == "minute"
    assert first.geometry == {"type": "Point", "coordinates": [37.15, 36.21]}
    assert first.recorded_by_id == user.pk and first.recorded_at == recorded
    assert first.verification == "unverified" and not first.published
    assert first.title == f"{convoy['reference']}: presence of landmines, IED and UXO"
    assert list(first.convoys.values_list("pk", flat=True)) == [convoy["id"]]
    assert list(first.corridors.values_list("pk", flat=True)) == [scene.corridor.pk]
    second = Incident.objects.get(pk=moved[shots.pk].after["incident"])
    assert second.categories == ["access_hostilities"] and second.geometry is None
    assert second.recorded_by_id is None
    assert "convoys_convoyincident" not in connection.introspection.table_names()
