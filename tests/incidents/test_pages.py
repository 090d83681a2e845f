"""Incident pages: the public sees verified and published incidents only; no page shows a source's identity."""

from __future__ import annotations

import pytest
from django.test import Client

from safepassage.accounts.models import User
from safepassage.incidents import services
from tests.incidents.conftest import upload

pytestmark = pytest.mark.django_db

IDENTITY = "Omar H., Kallaseh street 12"


def _client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(User.objects.get(username=username))
    return c


@pytest.fixture
def world(actors, make_incident, verifier2):
    shown = make_incident(title="Convoy route shelled", categories=["grave_attacks_schools_hospitals"])
    hidden = make_incident(title="Unverified report of mines")
    src = actors["monitor"].post(f"/api/incidents/{shown['id']}/sources", {
        "kind": "witness", "name": "witness 4", "statement": "saw it", "connection": "witness",
        "identity": IDENTITY}).json()
    fid = upload(actors["monitor"], shown["id"], b"photo bytes").json()["file_id"]
    v1, v2 = actors["verifier"].principal, verifier2.principal
    services.take_for_review(incident_id=shown["id"], by=v1)
    d = services.decide(incident_id=shown["id"], status="verified", note="photo and witness",
                        evidence_ids=[fid], source_ids=[src["id"]], by=v1)
    services.take_for_review(incident_id=shown["id"], by=v2)
    services.confirm_decision(decision_id=d.pk, note="confirmed", by=v2)
    services.set_publication(incident_id=shown["id"], published=True, by=v1)
    services.take_for_review(incident_id=hidden["id"], by=v1)
    return shown, hidden


def test_public_list_and_page_show_only_verified_published_incidents_without_sources(world):
    shown, hidden = world
    page = _client(None).get("/incidents/").content.decode()
    assert "Convoy route shelled" in page and "Unverified report of mines" not in page
    detail = _client(None).get(f"/incidents/{shown['id']}/").content.decode()
    assert "Convoy route shelled" in detail and "witness 4" not in detail and "photo and witness" not in detail
    assert _client(None).get(f"/incidents/{hidden['id']}/").status_code == 404
    assert _client("u_party_liaison").get(f"/incidents/{hidden['id']}/").status_code == 404


def test_staff_page_shows_sources_evidence_hashes_and_history_but_never_identities(world):
    shown, hidden = world
    detail = _client("u_partner").get(f"/incidents/{shown['id']}/").content.decode()
    assert "witness 4" in detail and "photo and witness" in detail and "u_verifier_two" in detail
    import hashlib
    assert hashlib.sha256(b"photo bytes").hexdigest() in detail
    assert "received" in detail and "from monitor team" in detail  # the chain of custody
    for user in [None, *User.objects.values_list("username", flat=True)]:
        for url in ("/incidents/", f"/incidents/{shown['id']}/", f"/incidents/{hidden['id']}/", "/incidents/queue/"):
            body = _client(user).get(url).content.decode()
            assert "Omar H." not in body and "Kallaseh" not in body, (user, url)


def test_review_queue_page_shows_who_holds_each_item(world):
    shown, hidden = world
    page = _client("u_verifier_two").get("/incidents/queue/").content.decode()
    assert "Unverified report of mines" in page and "u_verifier" in page
    assert "Convoy route shelled" not in page  # verified: out of the queue
    assert _client("u_monitor").get("/incidents/queue/").status_code == 403
    assert _client(None).get("/incidents/queue/").status_code == 302


def test_incident_pages_are_translated(world):
    c = _client(None)
    c.cookies["django_language"] = "ar"
    page = c.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "الحوادث" in page and 'dir="rtl"' in page
