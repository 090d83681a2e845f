"""Verification: the queue with assignment, decisions with what they rest on, four eyes, full history."""

from __future__ import annotations

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.incidents.models import Incident
from tests.incidents.conftest import upload

pytestmark = pytest.mark.django_db

GRAVE = ["grave_attacks_schools_hospitals"]


def _with_source(actors, make_incident, **over):
    inc = make_incident(**over)
    src = actors["monitor"].post(f"/api/incidents/{inc['id']}/sources", {
        "kind": "agency", "name": "Agency X", "statement": "team on site", "connection": "reporter",
        "reliability": "B", "credibility": 2}).json()
    return inc, src


def test_taking_an_item_another_verifier_holds_is_409_naming_them_unless_taken_over(actors, make_incident,
                                                                                    verifier2):
    inc = make_incident()
    url = f"/api/incidents/{inc['id']}/review"
    r = actors["verifier"].post(url, {})
    assert r.status_code == 200 and r.json()["assigned_to"] == "u_verifier"
    queue = verifier2.get("/api/review-queue").json()["items"]
    assert [(i["id"], i["assigned_to"]) for i in queue] == [(inc["id"], "u_verifier")]
    r = verifier2.post(url, {})
    assert r.status_code == 409 and "u_verifier" in r.json()["detail"] and "takeover" in r.json()["detail"]
    assert Incident.objects.get(pk=inc["id"]).assigned_to.username == "u_verifier"
    r = verifier2.post(url, {"takeover": True})
    assert r.status_code == 200 and r.json()["assigned_to"] == "u_verifier_two"
    taken_over = AuditEntry.objects.get(action="incident.review_taken_over")
    assert taken_over.before["assigned_to_id"] != taken_over.after["assigned_to_id"]
    assert actors["verifier"].call("DELETE", url).status_code == 409  # only the holder releases
    assert verifier2.call("DELETE", url).json()["assigned_to"] is None
    assert actors["monitor"].post(url, {}).status_code == 403
    assert verifier2.get("/api/review-queue", mine=True).json()["count"] == 0


def test_a_decision_needs_the_item_and_names_what_it_rests_on(actors, make_incident, verifier2):
    inc, src = _with_source(actors, make_incident)
    url = f"/api/incidents/{inc['id']}/decisions"
    body = {"status": "verified", "note": "agency team on site", "source_ids": [src["id"]]}
    assert actors["verifier"].post(url, body).status_code == 409  # not taken
    actors["verifier"].post(f"/api/incidents/{inc['id']}/review", {})
    r = verifier2.post(url, body)
    assert r.status_code == 409 and "u_verifier" in r.json()["detail"]
    r = actors["verifier"].post(url, {**body, "source_ids": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence_ids"
    other, other_src = _with_source(actors, make_incident)
    r = actors["verifier"].post(url, {**body, "source_ids": [other_src["id"]]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source_ids"
    r = actors["verifier"].post(url, body)
    assert r.status_code == 201 and r.json()["needs_confirmation"] is False
    detail = actors["verifier"].get(f"/api/incidents/{inc['id']}").json()
    assert detail["verification"] == "verified" and detail["assigned_to"] is None
    assert detail["decisions"][0]["source_ids"] == [src["id"]]
    assert detail["decisions"][0]["decided_by"] == "u_verifier"


def test_grave_violation_verified_needs_a_second_different_verifier(actors, make_incident, verifier2):
    inc, src = _with_source(actors, make_incident, categories=GRAVE)
    fid = upload(actors["monitor"], inc["id"], b"photo of the damaged school").json()["file_id"]
    v1 = actors["verifier"]
    v1.post(f"/api/incidents/{inc['id']}/review", {})
    r = v1.post(f"/api/incidents/{inc['id']}/decisions", {
        "status": "verified", "note": "photo and agency", "evidence_ids": [fid], "source_ids": [src["id"]]})
    assert r.status_code == 201 and r.json()["needs_confirmation"] is True
    decision = r.json()["id"]
    assert v1.get(f"/api/incidents/{inc['id']}").json()["verification"] == "pending_verification"
    assert actors["public"].get(f"/api/incidents/{inc['id']}").status_code == 404
    queue = {i["id"]: i for i in verifier2.get("/api/review-queue").json()["items"]}
    assert queue[inc["id"]]["awaiting_confirmation_of"] == decision and queue[inc["id"]]["first_verifier"] == "u_verifier"
    # the same verifier cannot confirm their own decision
    v1.post(f"/api/incidents/{inc['id']}/review", {})
    r = v1.post(f"/api/decisions/{decision}/confirmation", {"note": "me again"})
    assert r.status_code == 409 and "four eyes" in r.json()["detail"]
    v1.call("DELETE", f"/api/incidents/{inc['id']}/review")
    # the second verifier must hold the item too
    assert verifier2.post(f"/api/decisions/{decision}/confirmation", {"note": "checked"}).status_code == 409
    verifier2.post(f"/api/incidents/{inc['id']}/review", {})
    r = verifier2.post(f"/api/decisions/{decision}/confirmation", {"note": "checked the photo's hash and the site"})
    assert r.status_code == 200 and r.json()["confirmed_by"] == "u_verifier_two"
    detail = verifier2.get(f"/api/incidents/{inc['id']}").json()
    assert detail["verification"] == "verified"
    assert detail["decisions"][0]["evidence_sha256"] == [detail["evidence"][0]["sha256"]]
    assert verifier2.post(f"/api/decisions/{decision}/confirmation", {"note": "again"}).status_code == 409
    actions = list(AuditEntry.objects.filter(object_type="incidents.incident", object_id=str(inc["id"]))
                   .order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["incident.review_taken", "verification.confirmed"]


def test_a_later_decision_replaces_a_pending_confirmation(actors, make_incident, verifier2):
    inc, src = _with_source(actors, make_incident, categories=GRAVE)
    v1 = actors["verifier"]
    v1.post(f"/api/incidents/{inc['id']}/review", {})
    decision = v1.post(f"/api/incidents/{inc['id']}/decisions", {
        "status": "verified", "note": "agency", "source_ids": [src["id"]]}).json()["id"]
    verifier2.post(f"/api/incidents/{inc['id']}/review", {})
    r = verifier2.post(f"/api/incidents/{inc['id']}/decisions", {"status": "unverified",
                                                                "note": "the agency's team was not on site"})
    assert r.status_code == 201
    verifier2.post(f"/api/incidents/{inc['id']}/review", {})
    assert verifier2.post(f"/api/decisions/{decision}/confirmation", {"note": "x"}).status_code == 409
    assert Incident.objects.get(pk=inc["id"]).verification == "unverified"


def test_attribution_status_is_decided_on_its_own(actors, make_incident, parties):
    inc, src = _with_source(actors, make_incident, categories=GRAVE)
    att = actors["monitor"].post(f"/api/incidents/{inc['id']}/attributions",
                                 {"party_id": parties["B"].pk, "source_id": src["id"]}).json()
    v = actors["verifier"]
    v.post(f"/api/incidents/{inc['id']}/review", {})
    r = v.post(f"/api/incidents/{inc['id']}/decisions", {"status": "falsely_attributed", "note": "other unit",
                                                         "attribution_id": att["id"], "source_ids": [src["id"]]})
    assert r.status_code == 201
    detail = v.get(f"/api/incidents/{inc['id']}").json()
    assert detail["attributions"][0]["verification"] == "falsely_attributed"
    assert detail["verification"] == "unverified"
    assert detail["decisions"][0]["attribution_id"] == att["id"]


def test_statuses_never_change_by_themselves(actors, make_incident):
    inc, src = _with_source(actors, make_incident)
    for _ in range(3):  # more sources, evidence, edits and publication change nothing
        actors["monitor"].post(f"/api/incidents/{inc['id']}/sources", {
            "kind": "agency", "name": "Agency Z", "statement": "confirmed", "connection": "reporter",
            "reliability": "A", "credibility": 1})
    upload(actors["monitor"], inc["id"], b"satellite image")
    actors["monitor"].patch(f"/api/incidents/{inc['id']}", {"description": "more detail"})
    actors["verifier"].post(f"/api/incidents/{inc['id']}/publication", {"published": True})
    assert Incident.objects.get(pk=inc["id"]).verification == "unverified"
    assert not AuditEntry.objects.filter(action__startswith="verification.").exists()
    assert actors["public"].get(f"/api/incidents/{inc['id']}").status_code == 404
