"""Medical evacuation pages and the review queue of flagged counts: per role, happy and refused paths."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client

from safepassage.audit.models import AuditEntry
from safepassage.core.timeutil import now, operation_zone
from safepassage.crossings.models import CrossingCount, MedevacCase, MedevacEvent
from tests.crossings.test_crossings_api import payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def field_key(monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())


def page_client(actors, role: str) -> Client:
    client = Client()
    client.force_login(actors[role].principal.user)
    return client


def local(dt) -> str:
    return dt.astimezone(operation_zone()).strftime("%Y-%m-%dT%H:%M")


def open_case(client: Client, **over) -> MedevacCase:
    form = {"client_uuid": str(uuid.uuid4()), "age_band": "18-59", "sex": "female", "triage": "urgent",
            "condition_summary": "shrapnel wound, left leg", "full_name": "Amal Example",
            "identifying_details": "born 1990, Salah al-Din", "legal_basis": "vital_interest", "at": ""}
    form.update(over)
    r = client.post("/medevac/new/", form)
    assert r.status_code == 302, r.content.decode().partition("form-error")[2][:300]
    return MedevacCase.objects.get(client_uuid=form["client_uuid"])


def test_medical_officer_opens_and_moves_a_case_through_its_timeline(actors):
    medic = page_client(actors, "medical_officer")
    form_uuid = str(uuid.uuid4())
    case = open_case(medic, client_uuid=form_uuid, at=local(now() - timedelta(hours=2)))
    again = medic.post("/medevac/new/", {"client_uuid": form_uuid, "age_band": "18-59", "sex": "female",
                                          "triage": "urgent"})
    assert again.status_code == 302 and MedevacCase.objects.count() == 1  # Save pressed twice: one case
    page = medic.get(f"/medevac/{case.pk}/").content.decode()
    assert case.case_number in page and "shrapnel wound" in page and "Amal Example" not in page

    moved_at = now() - timedelta(minutes=30)
    r = medic.post(f"/medevac/{case.pk}/status", {"status": "moved", "at": local(moved_at), "note": "ambulance 3",
                                                    "version": case.version})
    assert r.status_code == 302
    r = medic.post(f"/medevac/{case.pk}/status", {"status": "handed_over", "at": "", "note": "",
                                                    "version": case.version + 1})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "handed_over"
    events = list(MedevacEvent.objects.filter(case=case).values_list("status", flat=True))
    assert events == ["waiting", "moved", "handed_over"]
    moved = MedevacEvent.objects.get(case=case, status="moved")
    assert moved.at.replace(second=0, microsecond=0) == moved_at.replace(second=0, microsecond=0)
    page = medic.get(f"/medevac/{case.pk}/").content.decode()
    assert page.count('data-testid="timeline-event"') == 3 and "ambulance 3" in page
    assert 'data-testid="status-form"' not in page  # closed: nothing more to record


def test_a_status_change_in_the_future_or_out_of_order_is_refused_with_the_reason(actors):
    medic = page_client(actors, "medical_officer")
    case = open_case(medic)
    r = medic.post(f"/medevac/{case.pk}/status", {"status": "moved", "at": local(now() + timedelta(hours=2))})
    assert r.status_code == 400 and "future" in r.content.decode()
    r = medic.post(f"/medevac/{case.pk}/status", {"status": "handed_over", "at": ""})
    assert r.status_code == 400 and "can move to moved" in r.content.decode()
    r = medic.post(f"/medevac/{case.pk}/status", {"status": "moved", "at": "yesterday"})
    assert r.status_code == 400 and 'data-testid="form-error"' in r.content.decode()
    case.refresh_from_db()
    assert case.status == "waiting" and MedevacEvent.objects.filter(case=case).count() == 1


def test_identifying_details_are_read_through_the_audited_route_with_a_purpose(actors):
    medic = page_client(actors, "medical_officer")
    case = open_case(medic)
    page = medic.get(f"/medevac/{case.pk}/").content.decode()
    assert 'id="identify-form"' in page and "<script>" not in page.replace("</script>", "")
    r = medic.get(f"/api/medevac/cases/{case.pk}/identifying", {"purpose": "handover to the hospital"})
    assert r.status_code == 200 and r.json()["full_name"] == "Amal Example"
    assert AuditEntry.objects.filter(action="personal_data.read").count() == 1
    coord_page = page_client(actors, "coordinator").get(f"/medevac/{case.pk}/").content.decode()
    assert "identify-form" not in coord_page and "shrapnel" not in coord_page and case.case_number in coord_page


def test_a_partner_sees_counts_only(actors):
    case = open_case(page_client(actors, "medical_officer"))
    partner = page_client(actors, "partner")
    page = partner.get("/medevac/").content.decode()
    assert 'data-testid="medevac-total">1<' in page and 'data-testid="medevac-counts-only"' in page
    assert case.case_number not in page and 'data-testid="medevac-row"' not in page
    assert partner.get(f"/medevac/{case.pk}/").status_code == 403
    assert partner.get("/medevac/new/").status_code == 403
    assert partner.post(f"/medevac/{case.pk}/status", {"status": "moved"}).status_code == 403
    coordinator = page_client(actors, "coordinator")
    listed = coordinator.get("/medevac/").content.decode()
    assert case.case_number in listed and 'data-testid="medevac-new-link"' not in listed
    assert coordinator.get("/medevac/new/").status_code == 403
    assert Client().get("/medevac/").status_code == 302  # signed out: to the sign-in page


def test_new_case_form_refuses_bad_input_and_stores_nothing(actors):
    medic = page_client(actors, "medical_officer")
    r = medic.post("/medevac/new/", {"client_uuid": str(uuid.uuid4()), "age_band": "18-59", "sex": "female",
                                     "triage": "purple"})
    assert r.status_code == 400 and "triage" in r.content.decode()
    r = medic.post("/medevac/new/", {"client_uuid": str(uuid.uuid4()), "age_band": "18-59", "sex": "female",
                                     "triage": "urgent", "corridor_id": "abc"})
    assert r.status_code == 400
    assert MedevacCase.objects.count() == 0


def test_review_queue_lists_flags_and_confirms_or_rejects_with_a_note(actors, checkpoint):
    flagged = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint, direction="in")).json()
    other = actors["field_officer"].post("/api/crossings/counts",
                                         payload(checkpoint, direction="in", bucket_start="2016-10-20T10:00:00Z")).json()
    coordinator = page_client(actors, "coordinator")
    page = coordinator.get("/crossings/review/").content.decode()
    assert page.count('data-testid="review-item"') == 2 and "direction_not_allowed" in page
    r = coordinator.post(f"/crossings/review/{flagged['id']}", {"decision": "rejected", "note": ""})
    assert r.status_code == 400 and "reason for rejecting" in r.content.decode()
    assert coordinator.post(f"/crossings/review/{flagged['id']}",
                            {"decision": "rejected", "note": "direction closed"}).status_code == 302
    assert coordinator.post(f"/crossings/review/{other['id']}", {"decision": "confirmed"}).status_code == 302
    assert CrossingCount.objects.get(pk=flagged["id"]).review_status == "rejected"
    assert CrossingCount.objects.get(pk=other["id"]).review_status == "confirmed"
    assert 'data-testid="review-empty"' in coordinator.get("/crossings/review/").content.decode()


def test_review_queue_is_refused_to_roles_without_review(actors, checkpoint):
    flagged = actors["field_officer"].post("/api/crossings/counts", payload(checkpoint, direction="in")).json()
    for role in ("field_officer", "partner", "medical_officer"):
        client = page_client(actors, role)
        assert client.get("/crossings/review/").status_code == 403
        assert client.post(f"/crossings/review/{flagged['id']}", {"decision": "confirmed"}).status_code == 403
    assert CrossingCount.objects.get(pk=flagged["id"]).review_status == "pending"
