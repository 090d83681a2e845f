"""Inputs at the edges of what the API accepts: each gives a clear 4xx naming the field, never a 500,
and nothing is accepted that the JSON API would refuse (issue 16, item 5)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from safepassage.core.timeutil import now
from tests.conftest import LINE, SQUARE

pytestmark = pytest.mark.django_db

END_OF_CALENDAR = "9999-12-31T23:59:59Z"


def _fields(r) -> set[str]:
    return {e["field"] for e in r.json()["errors"]}


def _routes_with_query(name: str) -> list[tuple[str, str]]:
    spec = Client().get("/api/openapi.json").json()
    return [(path, op["x-permission"]) for path, ops in spec["paths"].items() for method, op in ops.items()
            if method == "get" and any(p["name"] == name and p["in"] == "query" for p in op.get("parameters", []))]


def test_a_time_at_the_end_of_the_calendar_is_refused_on_every_route_taking_at(actors):
    routes = _routes_with_query("at")
    assert len(routes) >= 5
    for path, _perm in routes:
        r = actors["admin"].get(path, at=END_OF_CALENDAR)
        assert r.status_code == 422, (path, r.status_code, r.content[:300])
        assert "at" in _fields(r), path
        r = actors["admin"].get(path, at="9999-12-31T23:59:59-14:00")
        assert r.status_code == 422, (path, r.status_code)


@pytest.mark.parametrize("name", ["since", "until", "departs_from", "departs_before"])
def test_other_query_times_at_the_end_of_the_calendar_are_refused(actors, name):
    for path, _perm in _routes_with_query(name):
        r = actors["admin"].get(path, **{name: END_OF_CALENDAR})
        assert r.status_code == 422 and name in _fields(r), (path, r.status_code, r.content[:300])


def test_a_day_at_the_end_of_the_calendar_is_refused(actors):
    for path, _perm in _routes_with_query("day"):
        r = actors["admin"].get(path, day="9999-12-31")
        assert r.status_code == 422 and "day" in _fields(r), (path, r.status_code, r.content[:300])


def test_a_body_time_at_the_end_of_the_calendar_is_refused(coordinator, parties):
    start = now() + timedelta(days=2)
    body = {"kind": "evacuation", "title": "Evacuation", "who": "Red Crescent", "geometry": LINE,
            "starts_at": start.isoformat(), "ends_at": END_OF_CALENDAR,
            "deadline": (start - timedelta(hours=24)).isoformat(), "party_ids": [p.pk for p in parties.values()]}
    r = coordinator.post("/api/notifications", body)
    assert r.status_code == 422 and "ends_at" in _fields(r), r.content


NEW_CORRIDOR = {"name": "North exit", "geometry": LINE, "direction": "out", "eligible_groups": ["civilians"],
                "opens_at": "08:00", "closes_at": "17:00"}


@pytest.mark.parametrize("geometry, field", [
    ({"type": ["LineString"], "coordinates": LINE["coordinates"]}, "geometry"),
    ({"type": {"a": 1}, "coordinates": LINE["coordinates"]}, "geometry"),
    ({"type": "LineString", "coordinates": [[True, 36.2], [37.2, 36.3]]}, "geometry"),
    ({"type": "LineString", "coordinates": [[37.1, 36.2], [37.2, "36.3"]]}, "geometry"),
    ({"type": "LineString", "coordinates": [[37.1, 36.2], [37.2, float("nan")]]}, "geometry"),
])
def test_malformed_geometries_are_refused_naming_the_field(coordinator, geometry, field):
    r = coordinator.client.post("/api/corridors", data=json.dumps({**NEW_CORRIDOR, "geometry": geometry}),
                                content_type="application/json")
    assert r.status_code == 422 and field in _fields(r), r.content


def test_an_unclosed_polygon_ring_is_refused(coordinator):
    ring = SQUARE["coordinates"][0][:-1]
    r = coordinator.post("/api/places", {"kind": "area", "name": "Open ring",
                                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    assert r.status_code == 422 and "geometry" in _fields(r), r.content
    assert "closed" in r.json()["detail"]
    closed = coordinator.post("/api/places", {"kind": "area", "name": "Closed ring", "geometry": SQUARE})
    assert closed.status_code == 201, closed.content


@pytest.mark.parametrize("value", ["08:00+03:00", "08:00Z", "8:00", "24:00", "08:00:00"])
def test_a_time_of_day_with_an_offset_is_refused(coordinator, value):
    r = coordinator.post("/api/corridors", {**NEW_CORRIDOR, "opens_at": value})
    assert r.status_code == 422 and "opens_at" in _fields(r), r.content


@pytest.mark.parametrize("bbox", ["nan,nan,nan,nan", "-inf,-inf,inf,inf", "37,36,inf,37", "1e999,0,1e999,1",
                                  "0,0,200,1", "0,-91,1,1"])
def test_non_finite_or_out_of_range_bounding_boxes_are_refused(actors, bbox):
    for path, _perm in _routes_with_query("bbox"):
        r = actors["public"].get(path, bbox=bbox)
        assert r.status_code == 422 and "bbox" in _fields(r), (path, bbox, r.content)


def test_every_list_documenting_a_bbox_filters_by_it(actors, coordinator, corridor, area):
    from safepassage.places import services as places
    from tests.conftest import SYSTEM

    places.create_place(kind="area", name="Far area", by=SYSTEM, geometry={"type": "Polygon", "coordinates": [
        [[10.1, 10.1], [10.2, 10.1], [10.2, 10.2], [10.1, 10.2], [10.1, 10.1]]]})
    from safepassage.corridors import services as corridors

    corridors.add_checkpoint(corridor=corridor, name="Near CP", lon=37.17, lat=36.25, by=SYSTEM)
    from safepassage.incidents import services as incidents
    from safepassage.incidents.models import Incident

    near_incident = incidents.record_incident(title="Damage near the exit", categories=["damage_observed"], by=SYSTEM,
                                              geometry={"type": "Point", "coordinates": [37.17, 36.25]})
    Incident.objects.filter(pk=near_incident.pk).update(verification="verified", published=True)  # the public's
    routes = [path for path, _perm in _routes_with_query("bbox")]
    assert {"/api/places", "/api/corridors", "/api/checkpoints"} <= set(routes)
    for path in routes:
        everything = actors["public"].get(path).json()["count"]
        near = actors["public"].get(path, bbox="37.0,36.0,37.3,36.3").json()["count"]
        nowhere = actors["public"].get(path, bbox="-10,-10,-9,-9").json()["count"]
        assert everything >= 1 and nowhere == 0, (path, everything, nowhere)
        assert near >= 1, path


@pytest.mark.parametrize("value", [True, "37.1"])
def test_a_boolean_or_string_is_not_a_coordinate(coordinator, corridor, value):
    r = coordinator.post("/api/checkpoints", {"corridor_id": corridor.pk, "name": "CP", "lon": value, "lat": 36.2})
    assert r.status_code == 422 and "lon" in _fields(r), r.content


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x1b", "\ufffe"])
def test_control_characters_are_refused_in_stored_text(coordinator, parties, char):
    start = now() + timedelta(days=2)
    body = {"kind": "evacuation", "title": f"Evacuation{char}", "who": "Red Crescent", "geometry": LINE,
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
            "deadline": (start - timedelta(hours=24)).isoformat(), "party_ids": [p.pk for p in parties.values()]}
    r = coordinator.post("/api/notifications", body)
    assert r.status_code == 422 and "title" in _fields(r), r.content
    ok = coordinator.post("/api/notifications", {**body, "title": "Evacuation\tof\r\nthe wounded"})
    assert ok.status_code == 201, ok.content


def test_the_cap_export_survives_control_characters_already_stored(coordinator, parties):
    from lxml import etree

    from safepassage.deconfliction.models import Notification

    start = now() + timedelta(days=2)
    body = {"kind": "evacuation", "title": "Evacuation", "who": "Red Crescent", "geometry": LINE,
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
            "deadline": (start - timedelta(hours=24)).isoformat(), "party_ids": [p.pk for p in parties.values()],
            "description": "Six ambulances"}
    n = coordinator.post("/api/notifications", body).json()
    Notification.objects.filter(pk=n["id"]).update(title="Evac\x1buation\x01", description="Six\x07 ambulances",
                                                   who="Red\x0cCrescent")
    r = coordinator.get(f"/api/notifications/{n['id']}/cap")
    assert r.status_code == 200, r.content
    doc = etree.fromstring(r.content)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert doc.findtext("cap:info/cap:headline", namespaces=ns) == "Evac\ufffduation\ufffd"
    assert doc.findtext("cap:info/cap:description", namespaces=ns) == "Six\ufffd ambulances"


# --- a JSON body over the API's limit, a chunked body, a multipart body without a boundary ---

def test_a_multipart_request_without_a_boundary_is_400(actors):
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=" + "a" * 300,
                         "multipart/form-data; boundary=\xff"):
        r = actors["field_officer"].client.post("/api/crossings/openrosa/submission", data=b"--x\r\n\r\n",
                                                content_type=content_type)
        assert r.status_code == 400, (r.status_code, r.content[:300])
        assert r.json()["errors"] == [{"field": "Content-Type", "reason": "malformed multipart/form-data"}]


def test_a_chunked_body_on_a_json_route_is_411(actors):
    from django.test.client import FakePayload

    from safepassage.wsgi import application

    body = json.dumps({"name": "x"}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/corridors", "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": FakePayload(chunked), "wsgi.errors": None, "CONTENT_TYPE": "application/json",
               "HTTP_TRANSFER_ENCODING": "chunked", "HTTP_AUTHORIZATION": f"Bearer {actors['coordinator'].token}",
               "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}
    content = b"".join(application(environ, start_response))
    assert statuses[0].startswith("411"), (statuses, content[:300])
    assert json.loads(content)["detail"].startswith("send the body with a Content-Length")


# --- every intake path applies the JSON API's validation ---

def test_the_html_claim_form_applies_the_json_apis_limits(client, actors):
    from safepassage.accounts.models import User
    from safepassage.incidents import services
    from safepassage.incidents.models import Claim
    from tests.conftest import SYSTEM

    claim = services.record_claim(summary="A party alleges X.", source_name="Agency", published_note="n", by=SYSTEM)
    client.force_login(User.objects.get(username="u_verifier"))
    for note in ("x" * 4001, "bell\x07"):
        r = client.post(f"/claims/{claim.pk}/verification", {"verification": "verified", "note": note})
        assert r.status_code == 400 and b"note" in r.content
    assert Claim.objects.get().verification_note == ""
    r = client.post(f"/claims/{claim.pk}/verification", {"verification": "verified", "note": "x" * 4000})
    assert r.status_code == 302 and Claim.objects.get().verification_note == "x" * 4000


@pytest.mark.parametrize("patch, field", [
    ({"opens_at": "08:00+03:00"}, "opens_at"), ({"closes_at": "20:00Z"}, "closes_at"),
    ({"capacity_per_hour": True}, "capacity_per_hour"), ({"lon": True, "lat": 36.2}, "lon"),
    ({"units_per_person": {"meal": True}}, "units_per_person.meal"),
    ({"units_per_person": {"meal": float("nan")}}, "units_per_person.meal"),
    ({"units_per_person": {"meal\x07": 1}}, "units_per_person.meal\x07.[key]"),
])
def test_a_service_point_refuses_offsets_booleans_and_non_finite_numbers(coordinator, area, corridor, patch, field):
    body = {"name": "Meal station north", "kind": "meal_station", "place_id": area.pk, "corridor_id": corridor.pk,
            "capacity_per_hour": 100, "capacity_per_day": 1000, "opens_at": "06:00", "closes_at": "20:00",
            "units_per_person": {"meal": 1}, **patch}
    r = coordinator.client.post("/api/servicepoints", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and field in _fields(r), r.content


def test_a_geojson_import_applies_the_json_apis_validation():
    from safepassage.core.errors import InvalidInput
    from safepassage.places import services
    from safepassage.places.models import Place
    from tests.conftest import SYSTEM

    def feature(name, pcode="SY02", ring=None):
        ring = ring or [[37.1, 36.1], [37.11, 36.1], [37.11, 36.11], [37.1, 36.1]]
        return {"type": "Feature", "properties": {"NAME": name, "PCODE": pcode},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    mapping = services.FieldMapping(name_field="NAME", pcode_field="PCODE")
    bad = [feature("Bell\x07"), feature("n" * 201), feature("Long code", pcode="P" * 31),
           feature("Open ring", ring=[[37.1, 36.1], [37.11, 36.1], [37.11, 36.11]])]
    with pytest.raises(InvalidInput) as refused:
        services.import_places(features=[feature("Fine"), *bad], mapping=mapping, source="s", by=SYSTEM)
    fields = {e.field for e in refused.value.errors}
    assert fields == {"features[1].properties.NAME", "features[2].properties.NAME", "features[3].properties.PCODE",
                      "features[4].geometry"}, refused.value.errors
    assert not Place.objects.exists()


def test_a_pcode_longer_than_the_database_keeps_is_refused_by_the_api(coordinator):
    r = coordinator.post("/api/places", {"kind": "area", "name": "Area", "pcode": "P" * 31, "geometry": SQUARE})
    assert r.status_code == 422 and "pcode" in _fields(r), r.content


def test_texts_kept_in_short_columns_are_limited_to_what_the_column_keeps():
    """PostgreSQL refuses a text longer than its column (a 500): the schema refuses it first, with a 422."""
    from pydantic import ValidationError

    from safepassage.convoys.models import Discrepancy, Seal, Vehicle
    from safepassage.convoys.schemas import DiscrepancyIn, InspectionCreate, SealFound, VehicleIn
    from safepassage.incidents.api import ClaimCreate
    from safepassage.incidents.models import Claim
    from safepassage.places.models import Place
    from safepassage.places.schemas import PlaceCreate, PlaceUpdate
    from safepassage.servicepoints.models import StockEntry
    from safepassage.servicepoints.schemas import StockCreate

    valid = {VehicleIn: {"plate": "A", "vehicle_type": "truck"}, DiscrepancyIn: {"item": "i", "expected": "e",
             "found": "f"}, SealFound: {"number": "1", "intact": True},
             ClaimCreate: {"summary": "s", "source_name": "n"}, PlaceCreate: {"kind": "area", "name": "n",
             "geometry": {}}, PlaceUpdate: {"version": 1}, StockCreate: {"item": "meal", "kind": "received",
             "quantity": 1, "reason": "delivery"}}
    cases = [(VehicleIn, "plate", Vehicle, "plate"), (VehicleIn, "vehicle_type", Vehicle, "vehicle_type"),
             (DiscrepancyIn, "expected", Discrepancy, "expected"), (DiscrepancyIn, "found", Discrepancy, "found"),
             (SealFound, "number", Seal, "number"), (ClaimCreate, "category", Claim, "category"),
             (PlaceCreate, "pcode", Place, "pcode"), (PlaceCreate, "site_type", Place, "site_type"),
             (PlaceUpdate, "pcode", Place, "pcode"), (PlaceUpdate, "site_type", Place, "site_type"),
             (StockCreate, "item", StockEntry, "item")]
    for schema, field, model, column in cases:
        keeps = model._meta.get_field(column).max_length
        schema.model_validate({**valid[schema], field: "x" * keeps})
        with pytest.raises(ValidationError):
            schema.model_validate({**valid[schema], field: "x" * (keeps + 1)})
    with pytest.raises(ValidationError):
        InspectionCreate.model_validate({"result": "cleared", "no_weapons_attested": True,
                                         "seals": ["x" * (Seal._meta.get_field("number").max_length + 1)]})
