"""Count intake at the edges of what the API accepts: the same validation on every path (issue 16, item 5)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _fields(r) -> set[str]:
    return {e["field"] for e in r.json()["errors"]}


MEGABYTE_NOTE = "n" * 1_000_000


def _basic(actor, username):
    import base64

    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{actor.token}".encode()).decode()}


@pytest.mark.parametrize("value", [True, False, 1.5, "3"])
def test_a_boolean_or_fraction_is_not_a_count(actors, checkpoint, value):
    body = {"client_uuid": str(uuid.uuid4()), "checkpoint_id": checkpoint.pk, "direction": "out",
            "bucket_start": "2016-10-20T08:00:00Z", "bucket_minutes": 60, "women": value}
    r = actors["field_officer"].post("/api/crossings/counts", body)
    assert r.status_code == 422 and "women" in _fields(r), r.content


def test_a_json_body_over_the_limit_is_413(actors, checkpoint, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {"client_uuid": str(uuid.uuid4()), "checkpoint_id": checkpoint.pk, "direction": "out",
            "bucket_start": "2016-10-20T08:00:00Z", "note": "x" * 20_000}
    for path in ("/api/crossings/counts", "/api/corridors", "/api/crossings/kobo"):
        r = actors["field_officer"].post(path, body)
        assert r.status_code == 413, (path, r.status_code, r.content[:200])
        assert r.json()["detail"].startswith("the request body is larger")


def test_a_route_may_have_its_own_larger_limit(actors, checkpoint, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.SAFEPASSAGE_ROUTE_MAX_BODY = {"submit_batch": 100_000}
    item = {"client_uuid": str(uuid.uuid4()), "checkpoint_id": checkpoint.pk, "direction": "out",
            "bucket_start": "2016-10-20T08:00:00Z", "women": 2}
    assert actors["field_officer"].post("/api/crossings/counts", item).status_code == 413
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000  # Django's own limit still applies to non-file bodies
    settings.SAFEPASSAGE_ROUTE_MAX_BODY = {"submit_batch": 200_000}
    r = actors["field_officer"].post("/api/crossings/counts/batch", {"items": [item]})
    assert r.status_code == 200, r.content


def test_openrosa_refuses_a_note_over_the_json_apis_limit(actors, checkpoint):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from safepassage.crossings.models import CrossingCount

    xml = (Path(__file__).parents[1] / "crossings" / "data" / "openrosa_submission.xml").read_text()
    xml = xml.replace("CHECKPOINT_ID", str(checkpoint.pk))
    for note, status in (("n" * 2001, 422), ("n" * 900_000, 422), ("n" * 2000, 201)):
        doc = xml.replace("<note>queue at the checkpoint since 07:30</note>", f"<note>{note}</note>")
        r = Client().post("/api/crossings/openrosa/submission",
                          {"xml_submission_file": SimpleUploadedFile("s.xml", doc.encode(), content_type="text/xml")},
                          **_basic(actors["field_officer"], "u_field_officer"))
        assert r.status_code == status, (len(note), r.content[:300])
        if status == 422:
            assert b"submit_error" in r.content and b"note" in r.content
    assert CrossingCount.objects.count() == 1


@pytest.mark.parametrize("patch, field", [
    ({"note": MEGABYTE_NOTE}, "note"), ({"note": "x" * 2001}, "note"), ({"note": "bell\x07"}, "note"),
    ({"direction": "sideways"}, "direction"), ({"counts/women": True}, "women"), ({"counts/women": 1.5}, "women"),
])
def test_kobo_refuses_what_the_json_api_refuses(actors, checkpoint, patch, field, settings):
    from pathlib import Path

    from safepassage.crossings.models import CrossingCount

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4_000_000
    raw = (Path(__file__).parents[1] / "crossings" / "data" / "kobo_rest_service.json").read_text()
    body = {**json.loads(raw.replace("CHECKPOINT_ID", str(checkpoint.pk))), **patch}
    r = Client().post("/api/crossings/kobo", data=json.dumps(body), content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {actors['field_officer'].token}")
    assert r.status_code == 422 and field in _fields(r), r.content[:300]
    assert not CrossingCount.objects.exists()


