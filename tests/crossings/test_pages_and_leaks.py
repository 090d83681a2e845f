"""Pages, the live dashboard, and the rule that only the medical role ever sees identifying fields.

The leak test is generated from the OpenAPI route list: every route, every non-medical role, with real ids.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from safepassage.api import api
from safepassage.core.permissions import Perm, Role, role_has

pytestmark = pytest.mark.django_db
NAME = "Hamid Secretname 4242"
NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
DETAILS = "passport N0-31337-77, uncle in Bustan al-Qasr"
SECRETS = (NAME, "N0-31337-77", "Secretname")
NON_MEDICAL = [r.value for r in Role if r != Role.PUBLIC and not role_has(r.value, Perm.MEDICAL_IDENTIFYING_VIEW)]


@pytest.fixture
def world(actors, monkeypatch, checkpoint, area, open_corridor):
    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    doctor = actors["medical_officer"]
    case = doctor.post("/api/medevac/cases", {"client_uuid": str(uuid.uuid4()), "age_band": "18-59", "sex": "male",
                                             "triage": "urgent", "condition_summary": "burns",
                                             "full_name": NAME, "identifying_details": DETAILS,
                                             "corridor_id": open_corridor.pk, "at": NOON.isoformat()}).json()
    # within the corridor's hours (08:00-17:00 UTC): a move outside them is refused
    moved = doctor.post(f"/api/medevac/cases/{case['id']}/status", {
        "status": "moved", "note": f"escorted by {NAME}", "at": (NOON + timedelta(minutes=30)).isoformat()})
    assert moved.status_code == 200, moved.content
    r = actors["coordinator"].post("/api/servicepoints", {
        "name": "Reception Jibrin", "kind": "reception_centre", "place_id": area.pk, "corridor_id": open_corridor.pk,
        "capacity_per_hour": 50, "capacity_per_day": 600, "opens_at": "06:00", "closes_at": "22:00"})
    actors["field_officer"].post("/api/crossings/counts", {
        "client_uuid": str(uuid.uuid4()), "checkpoint_id": checkpoint.pk, "direction": "out",
        "bucket_start": datetime.now(UTC).replace(minute=0, second=0, microsecond=0).isoformat(),
        "bucket_minutes": 60, "women": 10, "children": 4})
    return {"case": case, "point": r.json(), "checkpoint": checkpoint}


def _operations():
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def _url(path: str, world) -> str:
    ids = {"case_id": world["case"]["id"], "point_id": world["point"]["id"], "checkpoint_id": world["checkpoint"].pk}
    return re.sub(r"\{([^}]+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def _assert_clean(content: bytes, where: str) -> None:
    text = content.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in text, f"identifying data leaked through {where}"


@pytest.mark.parametrize("role", [*NON_MEDICAL, "public"])
def test_no_route_gives_identifying_fields_to_a_non_medical_role(actors, world, role):
    client = actors[role]
    called = 0
    for path, method, _op in _operations():
        url = _url(path, world)
        if method == "get":
            response = client.get(url, purpose="checking", limit=1000)
        else:
            response = client.call(method.upper(), url, {})
        _assert_clean(response.content, f"{method.upper()} {path} as {role}")
        called += 1
    assert called >= 25
    # the route made for identity refuses them outright
    r = client.get(f"/api/medevac/cases/{world['case']['id']}/identifying", purpose="checking")
    assert r.status_code in (401, 403)


@pytest.mark.parametrize("role", NON_MEDICAL)
def test_no_page_admin_or_audit_view_shows_identifying_fields(actors, world, role):
    from safepassage.accounts.models import User

    user = User.objects.get(username=f"u_{role}")
    user.is_staff = user.is_superuser = True  # the worst case: a non-medical administrator of the site
    user.save()
    browser = Client()
    browser.force_login(user)
    case_id = world["case"]["id"]
    for url in ("/dashboard/", "/crossings/new/", "/audit/", "/admin/crossings/medevaccase/",
                f"/admin/crossings/medevaccase/{case_id}/change/", "/admin/audit/auditentry/",
                "/api/crossings/dashboard", f"/api/medevac/cases/{case_id}"):
        r = browser.get(url)
        assert r.status_code < 500, url
        _assert_clean(r.content, f"{url} as {role}")


def test_medical_role_sees_the_identity_only_through_the_logged_route(actors, world):
    from safepassage.audit.models import AuditEntry

    doctor = actors["medical_officer"]
    case = doctor.get(f"/api/medevac/cases/{world['case']['id']}").json()
    assert "full_name" not in case and "identifying_details" not in case
    assert case["condition_summary"] == "burns" and case["timeline"][1]["note"].startswith("escorted")
    before = AuditEntry.objects.filter(action="personal_data.read").count()
    r = doctor.get(f"/api/medevac/cases/{world['case']['id']}/identifying", purpose="family tracing request")
    assert r.json()["full_name"] == NAME
    assert AuditEntry.objects.filter(action="personal_data.read").count() == before + 1


def test_timeline_notes_are_hidden_from_other_staff(actors, world):
    body = actors["coordinator"].get(f"/api/medevac/cases/{world['case']['id']}").json()
    assert body["timeline"][1]["note"] is None and body["condition_summary"] is None


def test_dashboard_page_and_data(actors, world):
    from safepassage.accounts.models import User

    browser = Client()
    assert browser.get("/dashboard/").status_code == 302
    browser.force_login(User.objects.get(username="u_party_liaison"))
    assert browser.get("/dashboard/").status_code == 403
    browser.force_login(User.objects.get(username="u_partner"))
    page = browser.get("/dashboard/")
    assert page.status_code == 200 and b"crossings/dashboard.js" in page.content
    assert b'data-refresh="15"' in page.content
    data = actors["partner"].get("/api/crossings/dashboard", tz="UTC").json()
    assert data["crossings"]["overall"]["total_persons"] == 14
    assert data["medevac"]["by_status"]["moved"] == 1
    [exit_] = data["exits"]
    assert exit_["service_points"][0]["name"] == "Reception Jibrin" and exit_["arrivals_24h"] == 14
    form = browser.get("/crossings/new/")
    assert form.status_code == 403  # partners do not submit counts
    browser.force_login(User.objects.get(username="u_field_officer"))
    form = browser.get("/crossings/new/")
    assert form.status_code == 200 and b"Castello road" in form.content


def test_dashboard_sections_follow_permissions(actors, world, monkeypatch):
    from safepassage.core.permissions import ROLE_PERMISSIONS

    monkeypatch.setitem(ROLE_PERMISSIONS, Role.PARTNER, frozenset({Perm.CROSSINGS_VIEW}))
    data = actors["partner"].get("/api/crossings/dashboard").json()
    assert data["exits"] is None and data["medevac"] is None and "crossings" in data
