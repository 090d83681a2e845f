"""Medical evacuations: pseudonymous cases, encrypted identifying fields, logged reads, timeline, retention."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from safepassage.audit.models import AuditEntry
from safepassage.crossings.models import MedevacCase

pytestmark = pytest.mark.django_db
NAME = "Zaynab Al-Testname 7731"
DETAILS = "ID card 0047-99813, brother's phone +963 944 000 111"


@pytest.fixture
def field_key(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", key)
    return key


def new_case(**over):
    body = {"client_uuid": str(uuid.uuid4()), "age_band": "5-11", "sex": "female", "triage": "immediate",
            "condition_summary": "shrapnel wound, left leg", "full_name": NAME, "identifying_details": DETAILS}
    body.update(over)
    return body


@pytest.fixture
def case(actors, field_key, open_corridor):
    r = actors["medical_officer"].post("/api/medevac/cases", new_case(corridor_id=open_corridor.pk))
    assert r.status_code == 201, r.content
    return r.json()


def test_identifying_fields_are_encrypted_at_rest_and_never_in_the_audit_log(case):
    assert case["case_number"].startswith("MV-") and case["has_identifying"] is True
    assert "full_name" not in case and case["condition_summary"] == "shrapnel wound, left leg"
    with connection.cursor() as cur:
        cur.execute("SELECT full_name_enc, identifying_details_enc FROM crossings_medevaccase")
        stored = " ".join(cur.fetchone())
    assert NAME not in stored and "0047-99813" not in stored and stored.startswith("gAAAA")
    for entry in AuditEntry.objects.all():
        text = f"{entry.before} {entry.after}"
        assert NAME not in text and "0047-99813" not in text
    assert AuditEntry.objects.get(action="medevac.created").after["identifying"] == "encrypted"


def test_medical_role_reads_identity_with_a_purpose_and_the_read_is_logged(actors, case):
    url = f"/api/medevac/cases/{case['id']}/identifying"
    no_purpose = actors["medical_officer"].get(url)
    assert no_purpose.status_code == 422 and no_purpose.json()["errors"][0]["field"] == "purpose"
    r = actors["medical_officer"].get(url, purpose="hand-over to receiving hospital")
    assert r.status_code == 200 and r.json()["full_name"] == NAME and r.json()["identifying_details"] == DETAILS
    entry = AuditEntry.objects.get(action="personal_data.read", object_id=str(case["id"]))
    assert entry.actor_label == f"medical_officer#{entry.actor_id}" and entry.after["purpose"] == "hand-over to receiving hospital"
    assert NAME not in str(entry.after)
    for role in ("coordinator", "partner", "field_officer", "monitor"):
        assert actors[role].get(url, purpose="curious").status_code == 403
    assert actors["public"].get(url, purpose="curious").status_code == 401
    assert AuditEntry.objects.filter(action="personal_data.read").count() == 1


def test_a_partner_sees_counts_only_never_one_row_per_case(actors, case):
    assert actors["partner"].get("/api/medevac/cases").status_code == 403
    assert actors["partner"].get(f"/api/medevac/cases/{case['id']}").status_code == 403
    counts = actors["partner"].get("/api/medevac/summary")
    assert counts.status_code == 200 and counts.json()["total"] == 1 and "case_number" not in counts.text


def test_other_staff_see_the_pseudonymous_case_without_medical_text(actors, case):
    r = actors["coordinator"].get(f"/api/medevac/cases/{case['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["condition_summary"] is None and body["case_number"] == case["case_number"]
    assert [e["status"] for e in body["timeline"]] == ["waiting"]
    assert actors["partner"].post("/api/medevac/cases", new_case()).status_code == 403


def test_missing_key_refuses_identifying_data_with_a_clear_error(actors, monkeypatch):
    monkeypatch.delenv("SAFEPASSAGE_FIELD_KEY", raising=False)
    r = actors["medical_officer"].post("/api/medevac/cases", new_case())
    assert r.status_code == 503 and "SAFEPASSAGE_FIELD_KEY" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "identifying"
    assert MedevacCase.objects.count() == 0
    anonymous = actors["medical_officer"].post("/api/medevac/cases", new_case(full_name="", identifying_details=""))
    assert anonymous.status_code == 201 and anonymous.json()["has_identifying"] is False


def test_retry_is_a_duplicate_and_the_timeline_follows_the_rules(actors, field_key):
    doctor = actors["medical_officer"]
    body = new_case()
    first = doctor.post("/api/medevac/cases", body).json()
    again = doctor.post("/api/medevac/cases", body)
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["id"] == first["id"]
    clash = doctor.post("/api/medevac/cases", {**body, "triage": "delayed"})
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "triage"
    url = f"/api/medevac/cases/{first['id']}/status"
    skip = doctor.post(url, {"status": "handed_over"})
    assert skip.status_code == 409 and skip.json()["errors"][0]["field"] == "status"
    assert doctor.post(url, {"status": "moved", "note": "ambulance 3"}).status_code == 200
    done = doctor.post(url, {"status": "handed_over"}).json()
    assert [e["status"] for e in done["timeline"]] == ["waiting", "moved", "handed_over"]
    assert done["timeline"][1]["note"] == "ambulance 3"
    assert doctor.post(url, {"status": "died_en_route"}).status_code == 409
    assert actors["coordinator"].post(url, {"status": "moved"}).status_code == 403
    counts = actors["partner"].get("/api/medevac/summary").json()
    assert counts["by_status"]["handed_over"] == 1 and counts["total"] == 1


def test_retention_purge_erases_identity_and_keeps_counts(actors, case, field_key):
    from safepassage.cli import main

    recent = actors["medical_officer"].post("/api/medevac/cases", new_case()).json()
    MedevacCase.objects.filter(pk=case["id"]).update(created_at=MedevacCase.objects.get(pk=case["id"]).created_at
                                                     - timedelta(days=40))
    assert main(["jobs", "run", "medevac_purge", "--days", "30"]) == 0
    old = MedevacCase.objects.get(pk=case["id"])
    assert old.full_name_enc == "" and old.identifying_details_enc == "" and old.identifying_purged_at
    assert MedevacCase.objects.get(pk=recent["id"]).has_identifying
    ident = actors["medical_officer"].get(f"/api/medevac/cases/{case['id']}/identifying", purpose="audit").json()
    assert ident["full_name"] == "" and ident["identifying_purged_at"]
    assert actors["partner"].get("/api/medevac/summary").json()["total"] == 2
    entry = AuditEntry.objects.get(action="medevac.identifying_purged")
    assert entry.after["case_numbers"] == [case["case_number"]]
    r = actors["medical_officer"].post("/api/medevac/retention/purge", {"older_than_days": 0})
    assert r.status_code == 200 and r.json()["purged"] == [recent["case_number"]]
    assert actors["coordinator"].post("/api/medevac/retention/purge", {}).status_code == 403
