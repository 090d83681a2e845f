"""A medical evacuation's movements are checked against its corridor's status and hours, like a convoy's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from safepassage.audit.models import AuditEntry
from safepassage.crossings.models import MedevacEvent
from tests.conftest import SYSTEM
from tests.crossings.test_medevac_review_pages import local, page_client

pytestmark = pytest.mark.django_db
# The corridor (conftest) is open since 1 Oct 2016, 08:00-17:00 UTC; these times are all in the past.
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
WITHIN, EVENING = DAY + timedelta(hours=9), DAY + timedelta(hours=19)


@pytest.fixture
def case(actors, monkeypatch, open_corridor):
    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    r = actors["medical_officer"].post("/api/medevac/cases", {
        "client_uuid": str(uuid.uuid4()), "age_band": "18-59", "sex": "female", "triage": "urgent",
        "corridor_id": open_corridor.pk, "at": (DAY + timedelta(hours=7)).isoformat()})
    assert r.status_code == 201, r.content
    return r.json()


def _move(actor, case, when, **extra):
    return actor.post(f"/api/medevac/cases/{case['id']}/status", {"status": "moved", "at": when.isoformat(), **extra})


def test_a_move_within_the_corridors_hours_is_recorded(actors, case):
    r = _move(actors["medical_officer"], case, WITHIN)
    assert r.status_code == 200, r.content
    event = r.json()["timeline"][-1]
    assert event["status"] == "moved" and event["outside_agreement"] == [] and event["override_reason"] == ""


def test_a_move_outside_the_hours_is_refused_with_the_reason_and_nothing_is_stored(actors, case):
    r = _move(actors["medical_officer"], case, EVENING)
    assert r.status_code == 409
    reason = r.json()["errors"][0]
    assert reason["field"] == "corridor" and "outside corridor 'Castello road' hours 08:00-17:00" in reason["reason"]
    assert "override_reason" in r.json()["detail"]
    assert MedevacEvent.objects.filter(case_id=case["id"]).count() == 1  # only "waiting"


def test_a_move_while_the_corridor_is_suspended_names_the_status_and_why(actors, case, open_corridor):
    from safepassage.corridors import services

    services.set_corridor_status(corridor_id=open_corridor.pk, status="suspended", reason="shelling reported",
                                 by=SYSTEM, at=DAY + timedelta(hours=8))
    r = _move(actors["medical_officer"], case, WITHIN)
    assert r.status_code == 409
    assert "was suspended at" in r.json()["errors"][0]["reason"]
    assert "shelling reported" in r.json()["errors"][0]["reason"]


def test_a_coordinator_records_it_with_a_written_reason_kept_on_the_timeline_and_in_the_audit(actors, case):
    doctor, coordinator = actors["medical_officer"], actors["coordinator"]
    refused = _move(doctor, case, EVENING, override_reason="patient would not survive the night")
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "override_reason"
    blank = _move(coordinator, case, EVENING, override_reason="  ")
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "override_reason"
    r = _move(coordinator, case, EVENING, override_reason="patient would not survive the night")
    assert r.status_code == 200, r.content
    event = r.json()["timeline"][-1]
    assert event["override_reason"] == "patient would not survive the night"
    assert "outside corridor 'Castello road' hours" in event["outside_agreement"][0]
    entry = AuditEntry.objects.filter(action="medevac.status_changed").latest("id")
    assert entry.after["override_reason"] == "patient would not survive the night"
    assert entry.after["outside_agreement"] == event["outside_agreement"]


def test_a_coordinator_does_not_record_ordinary_moves_nor_a_needless_override(actors, case):
    coordinator = actors["coordinator"]
    assert _move(coordinator, case, WITHIN).status_code == 403
    needless = _move(coordinator, case, WITHIN, override_reason="to be sure")
    assert needless.status_code == 403 and "medical role" in needless.json()["detail"]
    assert MedevacEvent.objects.filter(case_id=case["id"]).count() == 1


def test_the_time_it_happened_is_never_in_the_future(actors, case):
    r = _move(actors["medical_officer"], case, datetime.now(UTC) + timedelta(hours=2))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "at"


def test_a_case_without_a_corridor_and_a_death_en_route_are_not_movement_checked(actors, monkeypatch):
    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    doctor = actors["medical_officer"]
    case = doctor.post("/api/medevac/cases", {"client_uuid": str(uuid.uuid4()), "age_band": "60+", "sex": "male",
                                              "triage": "immediate", "at": DAY.isoformat()}).json()
    assert _move(doctor, case, EVENING).status_code == 200


def test_the_case_page_shows_the_override_in_red_and_offers_it_to_the_coordinator(actors, case):
    _move(actors["coordinator"], case, EVENING, override_reason="night transfer agreed by phone")
    page = page_client(actors, "coordinator").get(f"/medevac/{case['id']}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'class="override"' in html
    assert "night transfer agreed by phone" in html and 'data-testid="medevac-override"' in html
    medic_page = page_client(actors, "medical_officer").get(f"/medevac/{case['id']}/").content.decode()
    assert 'data-testid="override-reason"' not in medic_page


def test_the_page_form_refuses_with_the_reason_and_a_coordinator_overrides_it(actors, case):
    evening = local(EVENING)
    refused = page_client(actors, "medical_officer").post(f"/medevac/{case['id']}/status",
                                                          {"status": "moved", "at": evening})
    assert refused.status_code == 400 and "outside corridor" in refused.content.decode()
    ok = page_client(actors, "coordinator").post(f"/medevac/{case['id']}/status", {"status": "moved", "at": evening,
                                                      "override_reason": "night transfer agreed by phone"})
    assert ok.status_code == 302
    assert MedevacEvent.objects.filter(case_id=case["id"]).latest("id").override_reason == (
        "night transfer agreed by phone")
