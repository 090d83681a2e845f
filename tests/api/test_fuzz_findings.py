"""Regression tests for what the schemathesis fuzz found (tests/api/test_schemathesis.py)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
BBOX_ROUTES = ("/api/places", "/api/corridors", "/api/checkpoints")


def test_the_openapi_document_declares_the_shape_of_a_bbox():
    document = Client().get("/api/openapi.json").json()
    for path in BBOX_ROUTES:
        (parameter,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "bbox"]
        (text,) = [s for s in parameter["schema"]["anyOf"] if s["type"] == "string"]
        assert text["pattern"].startswith("^") and text["pattern"].endswith("$"), path


@pytest.mark.parametrize("bbox", ["0" * 200, "1,2,3", "a,b,c,d", "1;2;3;4"])
def test_a_bbox_not_shaped_as_four_numbers_is_422_naming_it(actors, bbox):
    for path in BBOX_ROUTES:
        response = actors["public"].get(path, bbox=bbox)
        assert response.status_code == 422, (path, response.content)
        assert [e["field"] for e in response.json()["errors"]] == ["bbox"], (path, response.content)


def test_a_bbox_with_spaces_or_an_exponent_is_still_read(actors, corridor):
    for bbox in (" 37, 36 ,38,37", "3.7e1,36,38,37"):
        response = actors["public"].get("/api/corridors", bbox=bbox)
        assert response.status_code == 200 and response.json()["count"] == 1, (bbox, response.content)


def test_the_openapi_document_declares_that_text_holds_no_control_characters(actors):
    import re

    document = Client().get("/api/openapi.json").json()
    name = document["components"]["schemas"]["CorridorCreate"]["properties"]["name"]
    pattern = re.compile(name["pattern"])
    assert pattern.match("Corridor الشمال\tnorth") and not pattern.match("bell\x07")
    # what the document says is what the API does
    response = actors["coordinator"].post("/api/corridors", {"name": "bell\x07"})
    assert response.status_code == 422 and "name" in [e["field"] for e in response.json()["errors"]]


def test_the_openapi_document_has_no_duplicated_keys(client):
    """Swagger UI reads the document as YAML, which refuses a key given twice (e.g. 200 and "200")."""
    import json

    duplicated = []

    def pairs_hook(pairs):
        keys = [k for k, _ in pairs]
        duplicated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    json.loads(client.get("/api/openapi.json").content, object_pairs_hook=pairs_hook)
    assert duplicated == []


def test_every_schema_of_the_document_has_a_name_of_its_own():
    """Two schema classes of one name became one component: the document described the wrong body."""
    from collections import Counter

    from ninja import Schema

    import safepassage.api  # noqa: F401  (imports every router and its schemas)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c.__name__ for c in subclasses(Schema) if c.__module__.startswith("safepassage.")]
    assert [name for name, n in Counter(ours).items() if n > 1] == []
    document = Client().get("/api/openapi.json").json()
    claims = document["paths"]["/api/claims"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "summary" in document["components"]["schemas"][claims["$ref"].rsplit("/", 1)[1]]["properties"]


@pytest.mark.parametrize("at", ["0.5", "1476950400", "-3", " 12 "])
def test_a_bare_number_is_not_read_as_a_time(actors, at):
    response = actors["public"].get("/api/places", at=at)
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["at"]


def test_a_time_written_out_is_still_read(actors):
    assert actors["public"].get("/api/places", at="2016-10-20T08:00:00+03:00").status_code == 200


@pytest.mark.parametrize("body", [
    {"origin": [37.1, 36.2], "destination": [False, 36.2]},
    {"origin": [37.1, 36.2], "destination": [37.2, True]},
])
def test_a_boolean_is_not_a_coordinate_of_a_route(actors, body):
    response = actors["coordinator"].post("/api/plans/route", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"].startswith("destination")


@pytest.mark.parametrize("body", [[None, None], [], "x", 5])
def test_a_body_that_is_not_an_object_is_refused(actors, body):
    response = actors["coordinator"].post("/api/notifications/deadlines", body)
    assert response.status_code == 400, response.content
    assert actors["coordinator"].post("/api/notifications/deadlines", {}).status_code == 200
