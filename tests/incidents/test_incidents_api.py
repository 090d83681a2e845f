"""Incidents: recording, validation, links, the public view (verified and published only, coarsened)."""

from __future__ import annotations

import pytest

from safepassage.incidents import selectors
from safepassage.incidents.models import Incident
from tests.incidents.conftest import POINT, incident_body

pytestmark = pytest.mark.django_db


def test_monitor_records_an_incident_that_starts_unverified_and_unpublished(actors, make_incident, corridor, area):
    body = make_incident(corridor_ids=[corridor.pk], place_ids=[area.pk],
                         categories=["grave_attacks_schools_hospitals", "access_hostilities"])
    assert body["verification"] == "unverified" and body["published"] is False
    assert body["categories"] == ["access_hostilities", "grave_attacks_schools_hospitals"]
    assert body["corridor_ids"] == [corridor.pk] and body["place_ids"] == [area.pk]
    assert body["time_earliest"].startswith("2016-10-20T08:00") and body["time_precision"] == "hour"
    assert body["people_affected"] == {"children": 2, "civilians": 5}
    from safepassage.audit.models import AuditEntry
    assert AuditEntry.objects.filter(action="incident.created", object_id=str(body["id"])).exists()
    listed = actors["verifier"].get("/api/incidents", corridor_id=corridor.pk).json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert actors["verifier"].get("/api/incidents", category="grave_attacks_schools_hospitals").json()["count"] == 1
    assert actors["verifier"].get("/api/incidents", category="damage_observed").json()["count"] == 0


@pytest.mark.parametrize("over, field", [
    ({"categories": ["shelling"]}, "categories"),
    ({"categories": []}, "categories"),
    ({"time_earliest": "2016-10-21T00:00:00Z"}, "time_latest"),
    ({"time_earliest": None, "time_latest": None}, "time_precision"),
    ({"time_precision": "unknown"}, "time_precision"),
    ({"time_earliest": "2016-10-20T08:00:00"}, "time_earliest"),
    ({"people_affected": {"Ahmad K.": 1}}, "people_affected.Ahmad K."),
    ({"people_affected": {"children": -1}}, "people_affected.children"),
    ({"geometry": {"type": "Point", "coordinates": [500, 1]}}, "geometry"),
    ({"corridor_ids": [999999]}, "corridor_ids"),
])
def test_invalid_incidents_are_refused_naming_the_field(actors, over, field):
    r = actors["monitor"].post("/api/incidents", incident_body(**over))
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]]
    assert Incident.objects.count() == 0


def test_time_unknown_is_stored_as_no_instant(actors):
    r = actors["monitor"].post("/api/incidents", incident_body(time_earliest=None, time_latest=None,
                                                               time_precision="unknown"))
    assert r.status_code == 201
    assert r.json()["time_earliest"] is None and r.json()["time_latest"] is None


def test_line_and_area_locations(actors):
    line = {"type": "LineString", "coordinates": [[37.1, 36.2], [37.2, 36.3]]}
    area = {"type": "Polygon", "coordinates": [[[37.1, 36.1], [37.2, 36.1], [37.2, 36.2], [37.1, 36.1]]]}
    for geometry in (line, area):
        r = actors["monitor"].post("/api/incidents", incident_body(geometry=geometry))
        assert r.status_code == 201 and r.json()["geometry"]["type"] == geometry["type"]


def test_update_changes_fields_and_is_audited_but_not_the_status(actors, make_incident):
    inc = make_incident()
    r = actors["monitor"].patch(f"/api/incidents/{inc['id']}", {"title": "Shelling near school no. 3",
                                                               "protected": True, "verification": "verified"})
    assert r.status_code == 200, r.content
    assert r.json()["title"] == "Shelling near school no. 3" and r.json()["protected"] is True
    assert r.json()["verification"] == "unverified"
    assert actors["monitor"].patch(f"/api/incidents/{inc['id']}", {"title": None}).status_code == 422
    assert actors["monitor"].patch(f"/api/incidents/{inc['id']}",
                                   {"time_latest": "2016-10-19T00:00:00Z"}).status_code == 422


def _verify(actors, incident_id):
    from safepassage.incidents import services
    from safepassage.incidents.models import Source

    v = actors["verifier"].principal
    src = services.add_source(incident_id=incident_id, kind="agency", name="Agency X", statement="seen",
                              connection="reporter", by=actors["monitor"].principal)
    services.take_for_review(incident_id=incident_id, by=v)
    services.decide(incident_id=incident_id, status="verified", note="two sources", source_ids=[src.pk], by=v)
    return Source.objects.get(pk=src.pk)


def test_public_sees_only_verified_and_published_incidents_coarsened_without_sources(actors, make_incident):
    hidden = make_incident(title="unverified")
    unpublished = make_incident(title="verified, unpublished")
    shown = make_incident(title="verified, published, protected")
    _verify(actors, unpublished["id"])
    _verify(actors, shown["id"])
    actors["monitor"].patch(f"/api/incidents/{shown['id']}", {"protected": True, "public_precision_m": 1000})
    r = actors["verifier"].post(f"/api/incidents/{shown['id']}/publication", {"published": True})
    assert r.status_code == 200 and r.json()["published"] is True
    actors["verifier"].post(f"/api/incidents/{hidden['id']}/publication", {"published": True})
    public = actors["public"]
    listed = public.get("/api/incidents").json()
    assert [i["id"] for i in listed["items"]] == [shown["id"]] and listed["count"] == 1
    item = listed["items"][0]
    assert item["coarsened"] is True and item["geometry"]["type"] == "Point"
    assert item["geometry"]["coordinates"] != POINT["coordinates"]
    assert abs(item["geometry"]["coordinates"][0] - POINT["coordinates"][0]) < 0.02
    assert item["location_precision_m"] == 1000
    detail = public.get(f"/api/incidents/{shown['id']}").json()
    assert detail["sources"] == [] and detail["decisions"] == [] and detail["evidence"] == []
    assert "Agency X" not in public.get(f"/api/incidents/{shown['id']}").content.decode()
    for other in (hidden, unpublished):
        assert public.get(f"/api/incidents/{other['id']}").status_code == 404
    # a party liaison reads as the public does; staff see everything, uncoarsened
    assert [i["id"] for i in actors["party_liaison"].get("/api/incidents").json()["items"]] == [shown["id"]]
    staff = actors["partner"].get(f"/api/incidents/{shown['id']}").json()
    assert staff["geometry"] == POINT and staff["coarsened"] is False and staff["sources"][0]["name"] == "Agency X"
    assert public.post("/api/incidents", incident_body()).status_code == 401


def test_coarsening_is_stable_within_a_grid_cell():
    a = selectors.coarsen({"type": "Point", "coordinates": [37.16121, 36.20211]}, 1000)
    b = selectors.coarsen({"type": "Point", "coordinates": [37.16125, 36.20215]}, 1000)
    assert a == b


def test_a_recorded_claim_becomes_a_party_statement_source(actors, make_incident):
    claim = actors["monitor"].post("/api/claims", {"summary": "Mines planted in the corridor",
                                                   "source_name": "Agency Y", "published_on": "2016-10-20"}).json()
    inc = make_incident(categories=["access_mines_ied_uxo"])
    src = {"kind": "party_statement", "name": "Party A spokesperson", "statement": "Mines were planted",
           "connection": "party", "claim_id": claim["id"]}
    r = actors["monitor"].post(f"/api/incidents/{inc['id']}/sources", src)
    assert r.status_code == 201 and r.json()["claim_id"] == claim["id"]
    assert actors["monitor"].post(f"/api/incidents/{inc['id']}/sources",
                                  {**src, "kind": "media"}).json()["errors"][0]["field"] == "claim_id"
    # the claim and its history are untouched, and its page still answers
    assert actors["monitor"].get(f"/api/claims/{claim['id']}").json()["verification"] == "unverified"


def test_attribution_as_claimed_by_a_named_source(actors, make_incident, parties):
    inc = make_incident()
    s1 = actors["monitor"].post(f"/api/incidents/{inc['id']}/sources", {
        "kind": "media", "name": "Outlet 1", "statement": "Party A fired", "connection": "reporter"}).json()
    s2 = actors["monitor"].post(f"/api/incidents/{inc['id']}/sources", {
        "kind": "party_statement", "name": "Party A", "statement": "Not us", "connection": "party",
        "reliability": "F", "credibility": 6}).json()
    r = actors["monitor"].post(f"/api/incidents/{inc['id']}/attributions",
                               {"party_id": parties["A"].pk, "source_id": s1["id"]})
    assert r.status_code == 201 and r.json()["party"] == "Party A" and r.json()["verification"] == "unverified"
    r = actors["monitor"].post(f"/api/incidents/{inc['id']}/attributions", {"party_id": None, "source_id": s2["id"]})
    assert r.json()["party"] == "unknown"
    other = make_incident()
    r = actors["monitor"].post(f"/api/incidents/{other['id']}/attributions", {"source_id": s1["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source_id"
    bad = actors["monitor"].post(f"/api/incidents/{inc['id']}/sources", {
        "kind": "media", "name": "x", "statement": "y", "connection": "reporter", "reliability": "G"})
    assert bad.status_code == 422


def test_a_claim_becomes_the_party_statement_source_of_a_new_incident(actors, corridor):
    claim = actors["monitor"].post("/api/claims", {
        "summary": "Mines have been planted in the humanitarian corridors", "quote": "Mines were planted",
        "source_name": "Agency Y", "speaker": "Party A spokesperson", "published_on": "2016-10-20",
        "category": "access_mines_ied_uxo", "corridor_ids": [corridor.pk]}).json()
    actors["verifier"].post(f"/api/claims/{claim['id']}/verification", {"verification": "pending_verification",
                                                                        "note": "asking for the location"})
    r = actors["monitor"].post(f"/api/claims/{claim['id']}/incident")
    assert r.status_code == 201, r.content
    inc = r.json()
    assert inc["categories"] == ["access_mines_ied_uxo"] and inc["corridor_ids"] == [corridor.pk]
    assert inc["time_earliest"] is None and inc["time_latest"].startswith("2016-10-20T23:59:59")
    assert inc["verification"] == "unverified"
    [source] = inc["sources"]
    assert source["kind"] == "party_statement" and source["claim_id"] == claim["id"]
    assert source["name"] == "Party A spokesperson" and source["statement"] == "Mines were planted"
    kept = actors["monitor"].get(f"/api/claims/{claim['id']}").json()
    assert kept["verification"] == "pending_verification" and kept["verification_note"] == "asking for the location"
    assert actors["monitor"].post(f"/api/claims/{claim['id']}/incident").status_code == 409
    assert actors["partner"].post(f"/api/claims/{claim['id']}/incident").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_existing_claims_into_sources_keeping_their_history(parties):
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from safepassage.accounts.models import User

    executor = MigrationExecutor(connection)
    executor.migrate([("incidents", "0001_initial")])
    old = executor.loader.project_state([("incidents", "0001_initial")]).apps
    user = User.objects.create(username="old_monitor", role="monitor")
    OldClaim = old.get_model("incidents", "Claim")  # noqa: N806 - a model class
    from datetime import UTC, date, datetime
    claim = OldClaim.objects.create(summary="Corridor shelled", source_name="Agency W", published_on=date(2016, 10, 3),
                                    verification="rejected", verification_note="no trace on imagery",
                                    recorded_by_id=user.pk, recorded_at=datetime(2016, 10, 4, tzinfo=UTC))
    call_command("migrate", verbosity=0)  # every app: convoys 0004 went back with incidents 0001
    from safepassage.incidents.models import Claim, Incident, Source
    source = Source.objects.get(claim_id=claim.pk)
    assert source.kind == "party_statement" and source.recorded_by_id == user.pk
    incident = Incident.objects.get(pk=source.incident_id)
    assert incident.title == "Corridor shelled" and incident.verification == "unverified"
    assert incident.recorded_at == datetime(2016, 10, 4, tzinfo=UTC) and incident.categories == ["other"]
    kept = Claim.objects.get(pk=claim.pk)
    assert kept.verification == "rejected" and kept.verification_note == "no trace on imagery"


def test_the_list_selects_by_when_an_incident_began_and_what_was_recorded_by_then(actors):
    """The bulletin's incidents figures link here with the day (`began_from`, `began_to`) and its `as_of`."""
    from datetime import UTC, datetime

    from safepassage.incidents import services
    from safepassage.incidents.models import Incident
    from tests.conftest import SYSTEM

    inside = services.record_incident(title="In the day", categories=["access_hostilities"],
                                      time_earliest=datetime(2016, 10, 20, 9, tzinfo=UTC), time_precision="hour",
                                      by=SYSTEM)
    services.record_incident(title="The day after", categories=["access_hostilities"],
                             time_earliest=datetime(2016, 10, 21, 9, tzinfo=UTC), time_precision="hour", by=SYSTEM)
    Incident.objects.filter(pk=inside.pk).update(verification="verified", published=True)
    day = {"began_from": "2016-10-20T00:00:00Z", "began_to": "2016-10-21T00:00:00Z"}
    staff = actors["monitor"].get("/api/incidents", **day).json()
    assert [i["title"] for i in staff["items"]] == ["In the day"]
    assert actors["public"].get("/api/incidents", **day, verification="verified").json()["count"] == 1
    assert actors["monitor"].get("/api/incidents", **day, as_of="2016-10-20T00:00:00Z").json()["count"] == 0
    bad = actors["public"].get("/api/incidents", began_from="2016-10-20T00:00:00")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "began_from"
