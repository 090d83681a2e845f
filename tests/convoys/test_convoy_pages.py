"""Position reports page and the manifest page with its preview route (which stores nothing)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from safepassage.audit.models import AuditEntry
from safepassage.convoys.models import Convoy, ManifestLine, PositionUpdate
from safepassage.core.timeutil import now, operation_zone
from tests.convoys.fixtures import the_day_has_come
from tests.convoys.test_upload import GOOD_CSV

pytestmark = pytest.mark.django_db


def page_client(actors, role: str) -> Client:
    client = Client()
    client.force_login(actors[role].principal.user)
    return client


def preview(api, convoy, content: bytes, number_format: str = "1,500.5", name: str = "manifest.csv"):
    f = io.BytesIO(content)
    f.name = name
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api.token}")
    return client.post(f"/api/convoys/{convoy['id']}/manifest/preview?number_format={number_format}", {"file": f})


def test_preview_answers_the_parsed_lines_and_stores_nothing(coordinator, convoy):
    before = list(ManifestLine.objects.filter(convoy_id=convoy["id"]).values_list("item", "quantity"))
    audit = AuditEntry.objects.count()
    r = preview(coordinator, convoy, GOOD_CSV.encode(), "1.500,5")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(x["row"], x["item"], Decimal(x["quantity"])) for x in body["lines"]] == [
        (2, "Rice", Decimal(200)), (3, "Blankets", Decimal(1500)), (4, "Diesel", Decimal("2000.5"))]
    assert Decimal(body["total_weight_kg"]) == Decimal(14700)
    assert list(ManifestLine.objects.filter(convoy_id=convoy["id"]).values_list("item", "quantity")) == before
    assert AuditEntry.objects.count() == audit
    assert Convoy.objects.get(pk=convoy["id"]).version == convoy["version"]


def test_preview_of_a_number_the_format_cannot_read_names_the_row_and_column(coordinator, convoy):
    csv = "item,category,quantity,unit,weight_kg\nRice,food,\"1,500\",bag,10000\nFlour,food,\"1,5\",bag,٧٥٠\n"
    r = preview(coordinator, convoy, csv.encode(), "1,500.5")
    assert r.status_code == 422
    errors = {e["field"]: e["reason"] for e in r.json()["errors"]}
    assert list(errors) == ["rows.3.quantity"] and "cannot be read in the 1,500.5 format" in errors["rows.3.quantity"]
    ok = preview(coordinator, convoy, csv.encode(), "1.500,5")
    assert ok.status_code == 200
    lines = ok.json()["lines"]
    assert Decimal(lines[0]["quantity"]) == Decimal("1.5") and Decimal(lines[1]["quantity"]) == Decimal("1.5")
    assert Decimal(lines[1]["weight_kg"]) == Decimal(750)  # Arabic-Indic digits
    assert ManifestLine.objects.filter(convoy_id=convoy["id"], quantity=Decimal("1.5")).count() == 0


def test_preview_refuses_other_roles_and_bad_files(actors, convoy):
    assert preview(actors["field_officer"], convoy, GOOD_CSV.encode()).status_code == 403
    assert preview(actors["partner"], convoy, GOOD_CSV.encode()).status_code == 403
    r = preview(actors["coordinator"], convoy, b"not,a,manifest\n1,2,3\n")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"


def test_manifest_page_is_for_those_who_edit_convoys(actors, convoy):
    coordinator = page_client(actors, "coordinator")
    page = coordinator.get(f"/convoys/{convoy['id']}/manifest/").content.decode()
    assert 'data-testid="manifest-form"' in page and "1.500,5" in page and "<script>" not in page
    assert f'href="/convoys/{convoy["id"]}/manifest/"' in coordinator.get("/convoys/board/").content.decode()
    assert page_client(actors, "field_officer").get(f"/convoys/{convoy['id']}/manifest/").status_code == 403


def test_positions_page_records_a_report_at_the_time_it_happened(actors, scene, convoy):
    the_day_has_come(scene)  # the report falls inside the agreed pause and the corridor's hours
    Convoy.objects.filter(pk=convoy["id"]).update(status="departed")  # on its way (the lifecycle is tested elsewhere)
    field = page_client(actors, "field_officer")
    url = f"/convoys/{convoy['id']}/positions/"
    assert 'data-testid="position-form"' in field.get(url).content.decode()
    seen = now() - timedelta(minutes=20)
    r = field.post(url, {"lat": "36.21", "lon": "٣٧.١٥", "note": "past the bridge",
                         "at": seen.astimezone(operation_zone()).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302, r.content.decode().partition("form-error")[2][:300]
    pos = PositionUpdate.objects.get(convoy_id=convoy["id"])
    assert (pos.lat, pos.lon) == (36.21, 37.15) and abs(pos.at - seen) < timedelta(minutes=1)
    page = field.get(url).content.decode()
    assert page.count('data-testid="position-row"') == 1 and "past the bridge" in page
    future = (now() + timedelta(hours=1)).astimezone(operation_zone()).strftime("%Y-%m-%dT%H:%M")
    r = field.post(url, {"lat": "36.21", "lon": "37.15", "at": future})
    assert r.status_code == 400 and "future" in r.content.decode()
    r = field.post(url, {"lat": "north", "lon": "37.15"})
    assert r.status_code == 400 and "decimal degrees" in r.content.decode()
    r = field.post(url, {"lat": "36,21", "lon": "37.15"})  # a comma is not read as a decimal mark
    assert r.status_code == 400 and "decimal degrees" in r.content.decode()
    assert PositionUpdate.objects.filter(convoy_id=convoy["id"]).count() == 1
    r = field.post(url, {"lat": "٣٦٫٢٢", "lon": "۳۷٫۱۶"})  # Arabic-Indic digits with the Arabic decimal mark
    assert r.status_code == 302, r.content.decode().partition("form-error")[2][:300]
    assert PositionUpdate.objects.filter(convoy_id=convoy["id"]).order_by("-id").values_list("lat", "lon")[0] == (
        36.22, 37.16)


def test_positions_are_refused_before_departure_and_to_roles_without_tracking(actors, convoy):
    field = page_client(actors, "field_officer")
    url = f"/convoys/{convoy['id']}/positions/"
    assert 'data-testid="not-moving"' in field.get(url).content.decode()
    r = field.post(url, {"lat": "36.21", "lon": "37.15"})
    assert r.status_code == 400 and PositionUpdate.objects.count() == 0
    assert page_client(actors, "partner").get(url).status_code == 403
    assert page_client(actors, "partner").post(url, {"lat": "36.21", "lon": "37.15"}).status_code == 403


def test_a_position_outside_the_pause_is_refused_unless_a_coordinator_gives_a_reason(actors, convoy):
    from safepassage.convoys.models import MovementOverride

    Convoy.objects.filter(pk=convoy["id"]).update(status="departed")  # left early: the pause is days ahead
    url = f"/convoys/{convoy['id']}/positions/"
    field = page_client(actors, "field_officer")
    assert 'data-testid="override-reason"' not in field.get(url).content.decode()
    r = field.post(url, {"lat": "36.21", "lon": "37.15"})
    assert r.status_code == 400 and "is outside pause #" in r.content.decode()
    r = field.post(url, {"lat": "36.21", "lon": "37.15", "override_reason": "agreed by radio"})
    assert r.status_code == 400 and "only a coordinator" in r.content.decode()
    coordinator = page_client(actors, "coordinator")
    assert 'data-testid="override-reason"' in coordinator.get(url).content.decode()
    r = coordinator.post(url, {"lat": "36.21", "lon": "37.15", "override_reason": "agreed by radio"})
    assert r.status_code == 302, r.content.decode().partition("form-error")[2][:300]
    override = MovementOverride.objects.get(convoy_id=convoy["id"])
    assert override.event == "position" and override.reason == "agreed by radio"
    assert PositionUpdate.objects.filter(convoy_id=convoy["id"]).count() == 1
