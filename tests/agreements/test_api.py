"""The agreements API: public reads, coordinator writes, tally with claims beside it."""

from datetime import UTC, datetime

import pytest

from safepassage.agreements import services
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(make_community, sign, parties, corridor, area):
    c1, c2 = make_community("Qudsaya"), make_community("Al-Hamah")
    a1 = sign(c1, "2016-10-13", name="Qudsaya settlement", kind="reconciliation",
              parties=[(parties["A"], "party"), (parties["B"], "guarantor")], area_ids=[area.pk],
              corridor_ids=[corridor.pk])
    services.set_agreement_status(agreement_id=a1.pk, status="in_force", valid_from="2016-10-14",
                                  source="monitor report", by=SYSTEM)
    sign(c2, datetime(2016, 10, 20, 12, 0, tzinfo=UTC))
    services.record_claimed_tally(party=parties["A"], claimed=783, as_of="2016-10-20", source="briefing",
                                  quote="783 populated areas", by=SYSTEM)
    return {"c1": c1, "c2": c2, "a1": a1}


def test_public_reads_agreements_with_place_signed_at_and_history(actors, registry):
    r = actors["public"].get("/api/agreements", at="2016-10-21T00:00:00Z")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 2
    item = next(i for i in body["items"] if i["name"] == "Qudsaya settlement")
    assert item["place"]["name"] == "Qudsaya" and item["place"]["population"] == 1000
    assert item["signed_at"].startswith("2016-10-12T21:00:00")
    assert [(h["status"], h["from"][:19]) for h in item["status_history"]] == [
        ("signed", "2016-10-12T21:00:00"), ("in_force", "2016-10-13T21:00:00")]
    assert item["status"] == "in_force"
    assert all(h["recorded_by"] is None for h in item["status_history"])  # who recorded: staff only
    assert {(p["party"], p["role"]) for p in item["parties"]} == {("Party A", "party"), ("Party B", "guarantor")}
    staff = actors["partner"].get("/api/agreements").json()["items"]
    assert all(h["recorded_by"] for i in staff for h in i["status_history"])


def test_tally_at_a_moment_with_claims_beside_never_mixed(actors, registry):
    r = actors["public"].get("/api/agreements/tally", at="2016-10-20T13:00:00+00:00")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["signed_total"], body["signed_last_24h"], body["in_force"]) == (2, 1, 1)
    [claim] = body["claims"]
    assert claim["party"] == "Party A" and claim["claimed"] == 783
    # recorded at the claim's date (2016-10-20 00:00 Damascus): only the first community had signed
    assert claim["recorded"] == 1 and claim["difference"] == 782 and claim["source"] == "briefing"
    naive = actors["public"].get("/api/agreements/tally", at="2016-10-20T13:00:00")
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "at"


def test_coordinator_records_an_agreement_and_its_status(coordinator, registry, parties):
    body = {"place_id": registry["c2"].place_id, "name": "Second deal", "kind": "evacuation",
            "signed_at": "2016-10-21", "source": "signed text", "parties": [{"party_id": parties["A"].pk}]}
    r = coordinator.post("/api/agreements", body)
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["signed_at"].startswith("2016-10-20T21:00:00")
    assert created["status_history"][0]["recorded_by"] == "u_coordinator"
    r = coordinator.post(f"/api/agreements/{created['id']}/status",
                         {"status": "in_force", "from": "2016-10-21T08:00:00+03:00", "source": "monitor"})
    assert r.status_code == 200, r.content
    assert [h["status"] for h in r.json()["status_history"]] == ["signed", "in_force"]
    again = coordinator.post(f"/api/agreements/{created['id']}/status",
                             {"status": "in_force", "from": "2016-10-22T08:00:00+03:00", "source": "monitor"})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("change, field", [
    ({"place_id": 999999}, "place_id"),
    ({"kind": "truce"}, "kind"),
    ({"signed_at": "2016-10-21T10:00"}, "signed_at"),
    ({"source": ""}, "source"),
    ({"parties": [{"party_id": 999999}]}, "parties"),
    ({"corridor_ids": [999999]}, "corridor_ids"),
])
def test_bad_agreements_are_refused_naming_the_field(coordinator, registry, change, field):
    body = {"place_id": registry["c1"].place_id, "name": "X", "kind": "other", "signed_at": "2016-10-21",
            "source": "s", **change}
    r = coordinator.post("/api/agreements", body)
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"].startswith(field)


def test_a_place_that_is_not_a_community_is_refused(coordinator, area):
    r = coordinator.post("/api/agreements", {"place_id": area.pk, "name": "X", "kind": "other",
                                             "signed_at": "2016-10-21", "source": "s"})
    assert r.status_code == 422 and "community" in r.json()["detail"]


def test_only_editors_write_and_claims_are_recorded_by_them(actors, registry, parties):
    claim = {"party_id": parties["B"].pk, "claimed": 10, "as_of": "2016-10-20", "source": "statement"}
    assert actors["public"].post("/api/agreements/claims", claim).status_code == 401
    assert actors["monitor"].post("/api/agreements/claims", claim).status_code == 403
    assert actors["party_liaison"].post(f"/api/agreements/{registry['a1'].pk}/status",
                                        {"status": "breached", "from": "2016-10-22", "source": "x"}).status_code == 403
    r = actors["coordinator"].post("/api/agreements/claims", claim)
    assert r.status_code == 201 and r.json()["recorded"] == 1 and r.json()["difference"] == 9


def test_the_list_answers_a_tally_with_one_agreement_per_community(actors, registry, sign):
    """The bulletin's agreements figures link here: `count` equals the tally, pinned to what was recorded."""
    sign(registry["c1"], "2016-10-19", name="Qudsaya second text")  # a second signature counts the place once
    at = "2016-10-20T13:00:00+00:00"
    tally = actors["public"].get("/api/agreements/tally", at=at).json()
    for metric in ("signed_total", "signed_last_24h", "in_force"):
        r = actors["public"].get("/api/agreements", tally=metric, at=at)
        assert r.status_code == 200, r.content
        assert r.json()["count"] == tally[metric], metric
    first = actors["public"].get("/api/agreements", tally="signed_total", at=at).json()["items"]
    assert len(first) == 2 and "Qudsaya settlement" in {i["name"] for i in first}  # the first it signed
    # pinned before anything was recorded: nothing
    assert actors["public"].get("/api/agreements", tally="signed_total", at=at,
                                as_of="2016-10-01T00:00:00Z").json()["count"] == 0
    bad = actors["public"].get("/api/agreements", tally="everything")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tally"
