"""Pages that write incidents: record one with its first source and a file; take, decide and confirm from the queue."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safepassage.accounts.models import User
from safepassage.incidents.models import Hazard, Incident, Source

pytestmark = pytest.mark.django_db

PHOTO = b"\x89PNG fake photo bytes"


def _client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(User.objects.get(username=username))
    return c


def form(**over) -> dict:
    data = {"title": "Mine found on the road", "description": "A device seen at the roadside.",
            "categories": ["access_mines_ied_uxo"], "time_earliest": "2016-10-20T08:00",
            "time_latest": "2016-10-20T09:30", "time_precision": "hour", "lon": "37.1612", "lat": "36.2021",
            "people_children": "0", "people_civilians": "3", "source_kind": "monitor",
            "source_name": "monitor team 1", "source_connection": "witness",
            "source_statement": "We saw the device.", "source_reliability": "B", "source_credibility": "2",
            "source_identity": "Omar H., street 12", "why": "taken by the monitor on site",
            "client_uuid": str(uuid.uuid4())}  # as the page renders one with each new form
    return {**data, **over}


def test_monitor_records_incident_with_source_and_photo(actors):
    photo = SimpleUploadedFile("road.png", PHOTO, content_type="image/png")
    r = _client("u_monitor").post("/incidents/new/", {**form(), "file": photo})
    assert r.status_code == 302, r.content.decode()[:2000]
    incident = Incident.objects.get(title="Mine found on the road")
    assert r["Location"] == f"/incidents/{incident.pk}/?recorded=1"
    assert incident.verification == "unverified" and not incident.published
    assert incident.geometry == {"type": "Point", "coordinates": [37.1612, 36.2021]}
    assert incident.people_affected == {"children": 0, "civilians": 3}
    assert incident.time_earliest.isoformat() < incident.time_latest.isoformat()
    source = Source.objects.get(incident=incident)
    assert source.kind == "monitor" and source.reliability == "B" and source.identity_enc
    assert "Omar" not in source.identity_enc
    assert Hazard.objects.filter(incidents=incident, kind="mines_uxo_ied").exists()
    page = _client("u_monitor").get(r["Location"]).content.decode()
    assert hashlib.sha256(PHOTO).hexdigest() in page and "Omar" not in page
    assert 'data-testid="recorded-notice"' in page


@pytest.mark.parametrize(("over", "field", "label"), [
    ({"title": ""}, "title", "Title"),
    ({"categories": []}, "categories", "Categories"),
    ({"lat": ""}, "lat", "Latitude"),
    ({"lon": "east"}, "lon", "Longitude"),
    ({"people_children": "two"}, "people_affected.children", "children"),
    ({"time_latest": "2016-10-20T07:00"}, "time_latest", "Latest time"),
    ({"time_earliest": "not a time"}, "time_earliest", "Earliest time"),
    ({"source_statement": ""}, "source_statement", "Statement"),
    ({"source_kind": "rumour"}, "source_kind", "Kind of source"),
    ({"source_credibility": "0"}, "source_credibility", "Credibility"),
    ({"lon": "200"}, "geometry", "Location"),
    ({"client_uuid": "not-a-uuid"}, "client_uuid", "Form"),
    ({"client_uuid": ""}, "client_uuid", "Form"),
])
def test_bad_input_names_the_field_and_stores_nothing(actors, over, field, label):
    r = _client("u_monitor").post("/incidents/new/", form(**over))
    assert r.status_code == 400
    page = r.content.decode()
    assert f'data-field="{field}"' in page and f">{label}: " in page
    assert not Incident.objects.exists() and not Source.objects.exists()


def test_a_file_without_custody_reason_is_refused_whole(actors):
    photo = SimpleUploadedFile("road.png", PHOTO, content_type="image/png")
    r = _client("u_monitor").post("/incidents/new/", {**form(why=""), "file": photo})
    assert r.status_code == 400 and 'data-field="why"' in r.content.decode()
    assert not Incident.objects.exists()


def test_record_page_refused_to_the_public_and_roles_without_the_permission(actors):
    assert _client(None).get("/incidents/new/").status_code == 302
    assert _client(None).post("/incidents/new/", form()).status_code == 302
    for username in ("u_verifier", "u_partner", "u_party_liaison", "u_field_officer"):
        assert _client(username).get("/incidents/new/").status_code == 403, username
        assert _client(username).post("/incidents/new/", form()).status_code == 403, username
    assert not Incident.objects.exists()
    assert _client("u_coordinator").get("/incidents/new/").status_code == 200
    page = _client("u_monitor").get("/incidents/new/").content.decode()
    assert 'data-testid="menu-incident-new"' in page and "incidents/record.js" in page


@pytest.fixture
def recorded(actors):
    photo = SimpleUploadedFile("road.png", PHOTO, content_type="image/png")
    _client("u_monitor").post("/incidents/new/", {**form(), "file": photo})
    return Incident.objects.get()


def test_take_shows_holder_to_another_verifier_then_decide_with_evidence(recorded, verifier2):
    v1, v2 = _client("u_verifier"), _client("u_verifier_two")
    assert v1.post(f"/incidents/{recorded.pk}/take/").status_code == 302
    queue = v2.get("/incidents/queue/").content.decode()
    assert 'data-testid="queue-holder">u_verifier<' in queue and 'data-testid="queue-takeover"' in queue
    detail = v2.get(f"/incidents/{recorded.pk}/").content.decode()
    assert 'data-testid="taken-by"' in detail and "u_verifier" in detail and 'data-testid="decide-form"' not in detail
    refused = v2.post(f"/incidents/{recorded.pk}/decide/", {"status": "verified", "note": "x"})
    assert refused.status_code == 409 and "taken by u_verifier" in refused.content.decode()
    mine = v1.get(f"/incidents/{recorded.pk}/").content.decode()
    assert 'data-testid="decide-form"' in mine
    file_id = recorded.evidence_links.get().file_id
    source_id = recorded.sources.get().pk
    r = v1.post(f"/incidents/{recorded.pk}/decide/", {"status": "verified", "note": "photo matches the witness",
                                                      "evidence_ids": [file_id], "source_ids": [source_id]})
    assert r.status_code == 302
    recorded.refresh_from_db()
    assert recorded.verification == "verified" and recorded.assigned_to is None
    d = recorded.decisions.get()
    assert list(d.evidence.values_list("pk", flat=True)) == [file_id]


def test_decision_errors_name_the_field(recorded):
    v1 = _client("u_verifier")
    v1.post(f"/incidents/{recorded.pk}/take/")
    r = v1.post(f"/incidents/{recorded.pk}/decide/", {"status": "verified", "note": ""})
    assert r.status_code == 400 and "Note: " in r.content.decode()
    r = v1.post(f"/incidents/{recorded.pk}/decide/", {"status": "verified", "note": "on nothing"})
    assert r.status_code == 400 and "Evidence: " in r.content.decode()
    r = v1.post(f"/incidents/{recorded.pk}/decide/", {"status": "verified", "note": "n", "evidence_ids": ["x"]})
    assert r.status_code == 400 and "Evidence: " in r.content.decode()


def test_grave_violation_confirmed_by_a_second_verifier_on_the_page(actors, verifier2):
    photo = SimpleUploadedFile("school.png", PHOTO, content_type="image/png")
    _client("u_monitor").post("/incidents/new/", {**form(categories=["grave_attacks_schools_hospitals"]),
                                                  "file": photo})
    i = Incident.objects.get()
    v1, v2 = _client("u_verifier"), _client("u_verifier_two")
    v1.post(f"/incidents/{i.pk}/take/")
    v1.post(f"/incidents/{i.pk}/decide/", {"status": "verified", "note": "photo",
                                            "evidence_ids": [i.evidence_links.get().file_id]})
    i.refresh_from_db()
    assert i.verification == "pending_verification"
    d = i.decisions.get()
    assert v1.post(f"/incidents/{i.pk}/take/").status_code == 302
    assert 'data-testid="confirm-form"' not in v1.get(f"/incidents/{i.pk}/").content.decode()
    refused = v1.post(f"/incidents/{i.pk}/decisions/{d.pk}/confirm/", {"note": "me again"})
    assert refused.status_code == 409
    v1.post(f"/incidents/{i.pk}/release/")
    v2.post(f"/incidents/{i.pk}/take/")
    assert 'data-testid="confirm-form"' in v2.get(f"/incidents/{i.pk}/").content.decode()
    assert v2.post(f"/incidents/{i.pk}/decisions/{d.pk}/confirm/", {"note": "seen"}).status_code == 302
    i.refresh_from_db()
    assert i.verification == "verified"


def test_review_actions_refused_to_the_public_and_other_roles(recorded):
    for username in (None, "u_monitor", "u_coordinator", "u_partner"):
        c = _client(username)
        for action in ("take", "release", "decide"):
            r = c.post(f"/incidents/{recorded.pk}/{action}/", {"status": "verified", "note": "x"})
            assert r.status_code in (302, 403), (username, action)
            if username:
                assert r.status_code == 403
    recorded.refresh_from_db()
    assert recorded.assigned_to is None and not recorded.decisions.exists()
    assert _client("u_verifier").get(f"/incidents/{recorded.pk}/take/").status_code == 405
    assert _client("u_verifier").post("/incidents/999999/take/").status_code == 404


def test_record_and_review_pages_are_translated(recorded, settings):
    c = _client("u_monitor")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = c.get("/incidents/new/").content.decode()
    assert "تسجيل حادثة" in page and "المصدر الأول" in page and "شاهد" in page and 'dir="rtl"' in page
    v = _client("u_verifier")
    v.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert "أخذ للمراجعة" in v.get("/incidents/queue/").content.decode()


def test_the_same_form_posted_twice_stores_one_incident(actors):
    """Without JavaScript: the identifier rendered with the form makes the second post answer with the first."""
    monitor = _client("u_monitor")
    page = monitor.get("/incidents/new/").content.decode()
    rendered = re.search(r'name="client_uuid" value="([0-9a-f-]{36})"', page).group(1)
    assert rendered != re.search(r'name="client_uuid" value="([0-9a-f-]{36})"',
                                 monitor.get("/incidents/new/").content.decode()).group(1)
    data = form(client_uuid=rendered)
    first = monitor.post("/incidents/new/", {**data, "file": SimpleUploadedFile("road.png", PHOTO, "image/png")})
    second = monitor.post("/incidents/new/", {**data, "file": SimpleUploadedFile("road.png", PHOTO, "image/png")})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    [incident] = Incident.objects.all()
    assert incident.sources.count() == 1 and incident.evidence_links.count() == 1
    assert Hazard.objects.filter(incidents=incident).count() == 1
    third = monitor.post("/incidents/new/", form())  # a new form is a new incident
    assert third.status_code == 302 and Incident.objects.count() == 2


def test_a_refused_form_keeps_its_identifier_and_a_stranger_cannot_reuse_it(actors):
    monitor = _client("u_monitor")
    data = form()
    refused = monitor.post("/incidents/new/", {**data, "title": ""})
    key = data["client_uuid"]
    assert refused.status_code == 400 and f'value="{key}"' in refused.content.decode()
    assert monitor.post("/incidents/new/", data).status_code == 302
    lost = monitor.post("/incidents/new/", {**data, "client_uuid": "not-a-uuid"}).content.decode()
    assert 'data-field="client_uuid"' in lost
    assert uuid.UUID(re.search(r'name="client_uuid" value="([^"]*)"', lost).group(1))  # a new form's, valid
    other = User.objects.create(username="u_monitor2", role="monitor")
    taken = _client(other.username).post("/incidents/new/", data)
    assert taken.status_code == 400 and 'data-field="client_uuid"' in taken.content.decode()
    assert Incident.objects.count() == 1
