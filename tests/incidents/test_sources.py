"""Sources' identities: encrypted at rest, refused without a key, never in any incident route, read only audited."""

from __future__ import annotations

import re

import pytest

from safepassage.api import api
from safepassage.audit.models import AuditEntry
from safepassage.core.permissions import Role
from safepassage.incidents.models import Source

pytestmark = pytest.mark.django_db

IDENTITY = "Fatima Z., +963 944 000 111, Bustan al-Qasr"


def _source(actors, incident_id, **over):
    body = {"kind": "witness", "name": "witness 1", "statement": "I saw the shell land at 09:00",
            "connection": "witness", "obtained_at": "2016-10-21T10:00:00Z", "obtained_where": "phone call",
            "reliability": "C", "credibility": 3, "identity": IDENTITY, **over}
    return actors["monitor"].post(f"/api/incidents/{incident_id}/sources", body)


def test_identity_is_encrypted_at_rest_and_not_returned(actors, make_incident):
    inc = make_incident()
    r = _source(actors, inc["id"])
    assert r.status_code == 201, r.content
    assert r.json()["has_identity"] is True and "identity" not in r.json()
    stored = Source.objects.get(pk=r.json()["id"]).identity_enc
    assert stored and "Fatima" not in stored
    assert r.json()["reliability"] == "C" and r.json()["credibility"] == 3


def test_no_identity_is_stored_without_a_key(actors, make_incident, monkeypatch):
    inc = make_incident()
    monkeypatch.delenv("SAFEPASSAGE_FIELD_KEY", raising=False)
    r = _source(actors, inc["id"])
    assert r.status_code == 503 and "SAFEPASSAGE_FIELD_KEY" in r.json()["detail"]
    assert Source.objects.count() == 0
    assert _source(actors, inc["id"], identity="").status_code == 201  # an agency or a label needs no key


def test_identity_read_is_for_verifiers_and_coordinators_with_a_purpose_and_audited(actors, make_incident):
    inc = make_incident()
    sid = _source(actors, inc["id"]).json()["id"]
    for role in ("monitor", "partner", "field_officer", "party_liaison", "medical_officer"):
        assert actors[role].post(f"/api/sources/{sid}/identity", {"purpose": "x"}).status_code == 403
    assert actors["public"].post(f"/api/sources/{sid}/identity", {"purpose": "x"}).status_code == 401
    assert actors["verifier"].post(f"/api/sources/{sid}/identity", {"purpose": " "}).status_code == 422
    for role in ("verifier", "coordinator"):
        r = actors[role].post(f"/api/sources/{sid}/identity", {"purpose": "call back to confirm the time"})
        assert r.status_code == 200 and r.json()["identity"] == IDENTITY
    reads = AuditEntry.objects.filter(action="personal_data.read", object_type="incidents.source",
                                      object_id=str(sid))
    assert reads.count() == 2
    assert reads.first().after["purpose"] == "call back to confirm the time"
    assert IDENTITY not in str(list(reads.values_list("after", flat=True)))


def _get_routes():
    for path, methods in api.get_openapi_schema()["paths"].items():
        if "get" in methods:
            yield path


def test_no_get_route_shows_a_source_identity_to_any_role(actors, make_incident, verifier2):
    inc = make_incident()
    sid = _source(actors, inc["id"]).json()["id"]
    # published and verified too, so the public's routes have it in view
    from safepassage.incidents import services
    v = actors["verifier"].principal
    services.take_for_review(incident_id=inc["id"], by=v)
    services.decide(incident_id=inc["id"], status="verified", note="witness and imagery", source_ids=[sid], by=v)
    services.set_publication(incident_id=inc["id"], published=True, by=v)
    ids = {"incident_id": inc["id"], "source_id": sid}
    checked = 0
    for role in [*[r.value for r in Role if r != Role.PUBLIC], "public"]:
        for path in _get_routes():
            url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
            r = actors[role].get(url)
            body = r.content.decode(errors="replace") if not r.streaming else ""
            assert "Fatima" not in body and "944 000" not in body, f"{role} {url}"
            checked += 1
    assert checked > 100
    assert actors["verifier"].get(f"/api/incidents/{inc['id']}").json()["sources"][0]["has_identity"] is True
