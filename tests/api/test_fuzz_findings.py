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
