"""Field forms: the XLSForm converts with pyxform; recorded OpenRosa and Kobo payloads become counts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from django.test import Client

from safepassage.audit.models import AuditEntry
from safepassage.crossings.models import CrossingCount

DATA = Path(__file__).parent / "data"
OPENROSA_UUID = "6c0c9f5e-2d4b-4f0e-9a52-2f1e6a9d3b71"
KOBO_UUID = "0b0e3e74-91a5-4c52-bd59-7b8b8a0c9f20"


def test_xlsform_converts_with_pyxform_and_matches_the_intake_fields():
    from defusedxml.ElementTree import fromstring
    from pyxform.xls2xform import convert

    from safepassage.crossings.models import COUNT_FIELDS
    from safepassage.crossings.xlsform import FORM_ID, FORM_PATH

    result = convert(xlsform=str(FORM_PATH))
    assert result.warnings == []
    root = fromstring(result.xform.encode())
    ns = {"h": "http://www.w3.org/1999/xhtml", "x": "http://www.w3.org/2002/xforms"}
    data = root.find("h:head/x:model/x:instance/x:data", ns)
    assert data.get("id") == FORM_ID
    leaves = {el.tag.rsplit("}", 1)[-1] for el in data.iter() if not len(el)}
    assert {"checkpoint_id", "direction", "bucket_start", "bucket_minutes", "instanceID", *COUNT_FIELDS} <= leaves
    assert "Arabic (ar)" in result.xform


def test_committed_workbook_is_what_the_builder_writes(tmp_path):
    from openpyxl import load_workbook

    from safepassage.crossings.xlsform import FORM_PATH, build

    fresh = build(tmp_path / "form.xlsx")
    rows = lambda p: {ws.title: list(ws.values) for ws in load_workbook(p)}  # noqa: E731
    assert rows(fresh) == rows(FORM_PATH), "run: python -m safepassage.crossings.xlsform"


def _openrosa(checkpoint, client, **headers):
    xml = (DATA / "openrosa_submission.xml").read_text().replace("CHECKPOINT_ID", str(checkpoint.pk))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("submission.xml", xml.encode(), content_type="text/xml")
    return client.post("/api/crossings/openrosa/submission", {"xml_submission_file": upload}, **headers)


def _basic(actor, username):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{actor.token}".encode()).decode()}


@pytest.mark.django_db
def test_openrosa_submission_is_stored_once(actors, checkpoint):
    auth = _basic(actors["field_officer"], "u_field_officer")
    r = _openrosa(checkpoint, Client(), **auth)
    assert r.status_code == 201, r.content
    assert r["Content-Type"].startswith("text/xml") and r["X-OpenRosa-Version"] == "1.0"
    assert b'nature="submit_success"' in r.content and b"OpenRosaResponse" in r.content
    count = CrossingCount.objects.get(client_uuid=OPENROSA_UUID)
    assert (count.women, count.children, count.persons_with_disabilities, count.total_persons) == (41, 63, 4, 130)
    assert count.source == "openrosa" and count.flags == [] and count.note.startswith("queue")
    assert count.bucket_start.isoformat() == "2016-10-20T08:00:00+00:00"
    again = _openrosa(checkpoint, Client(), **auth)
    assert again.status_code == 202 and b"Already received" in again.content
    assert CrossingCount.objects.count() == 1
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 1


@pytest.mark.django_db
def test_openrosa_asks_for_credentials_and_refuses_other_roles(actors, checkpoint):
    r = _openrosa(checkpoint, Client())
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Basic")
    wrong = _openrosa(checkpoint, Client(), HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"u_field_officer:nope")
                      .decode())
    assert wrong.status_code == 401
    assert _openrosa(checkpoint, Client(), **_basic(actors["partner"], "u_partner")).status_code == 403
    head = Client().head("/api/crossings/openrosa/submission", **_basic(actors["field_officer"], "u_field_officer"))
    assert head.status_code == 204 and head["X-OpenRosa-Accept-Content-Length"]
    assert CrossingCount.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("xml", "field"),
    [
        (b"<data id='safepassage_crossing_count'><checkpoint_id>1</checkpoint_id>", "xml_submission_file"),
        (b"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><data id='safepassage_crossing_count'>&e;</data>",
         "xml_submission_file"),
        (b"<data id='other_form'/>", "id"),
        (b"<data id='safepassage_crossing_count'><checkpoint_id>1</checkpoint_id></data>", "meta/instanceID"),
    ],
)
def test_openrosa_bad_documents_are_refused_with_a_reason(actors, checkpoint, xml, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("submission.xml", xml, content_type="text/xml")
    r = Client().post("/api/crossings/openrosa/submission", {"xml_submission_file": upload},
                      **_basic(actors["field_officer"], "u_field_officer"))
    assert r.status_code == 422, r.content
    assert b"submit_error" in r.content and field.encode() in r.content


@pytest.mark.django_db
def test_openrosa_edit_with_deprecated_id_is_a_correction(actors, checkpoint):
    auth = _basic(actors["field_officer"], "u_field_officer")
    assert _openrosa(checkpoint, Client(), **auth).status_code == 201
    xml = (DATA / "openrosa_submission.xml").read_text().replace("CHECKPOINT_ID", str(checkpoint.pk))
    edited = xml.replace("<women>41</women>", "<women>42</women>").replace(
        f"<instanceID>uuid:{OPENROSA_UUID}</instanceID>",
        "<instanceID>uuid:11111111-2222-4333-8444-555555555555</instanceID>"
        f"<deprecatedID>uuid:{OPENROSA_UUID}</deprecatedID>")
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = Client().post("/api/crossings/openrosa/submission",
                      {"xml_submission_file": SimpleUploadedFile("s.xml", edited.encode())}, **auth)
    assert r.status_code == 201, r.content
    current = CrossingCount.objects.get(is_current=True)
    assert current.women == 42 and current.version == 2
    assert CrossingCount.objects.get(client_uuid=OPENROSA_UUID).is_current is False


@pytest.mark.django_db
def test_kobo_rest_service_json_is_stored_once(actors, checkpoint):
    raw = (DATA / "kobo_rest_service.json").read_text().replace("CHECKPOINT_ID", str(checkpoint.pk))
    body = json.loads(raw)
    for headers in ({"HTTP_AUTHORIZATION": f"Bearer {actors['field_officer'].token}"},
                    _basic(actors["field_officer"], "u_field_officer")):
        r = Client().post("/api/crossings/kobo", data=json.dumps(body), content_type="application/json", **headers)
        assert r.status_code in (200, 201), r.content
    assert r.status_code == 200 and r.json()["duplicate"] is True
    count = CrossingCount.objects.get(client_uuid=KOBO_UUID)
    assert (count.women, count.wounded, count.total_persons, count.source) == (12, 2, 42, "kobo")
    conflicting = {**body, "counts/women": "13"}
    r = Client().post("/api/crossings/kobo", data=json.dumps(conflicting), content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {actors['field_officer'].token}")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "women"
    bad = Client().post("/api/crossings/kobo", data=json.dumps({**body, "counts/men": "many"}),
                        content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {actors['field_officer'].token}")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "men"
    denied = Client().post("/api/crossings/kobo", data=raw, content_type="application/json",
                           **_basic(actors["partner"], "u_partner"))
    assert denied.status_code == 403


def test_committed_xform_is_the_pyxform_conversion_of_the_workbook():
    from pyxform.xls2xform import convert

    from safepassage.crossings.xlsform import FORM_PATH, XFORM_PATH

    assert XFORM_PATH.read_text(encoding="utf-8") == convert(xlsform=str(FORM_PATH), pretty_print=True).xform, \
        "run: python -m safepassage.crossings.xlsform"


@pytest.mark.django_db
def test_odk_collect_can_list_and_download_the_form(actors):
    from defusedxml.ElementTree import fromstring

    auth = _basic(actors["field_officer"], "u_field_officer")
    assert Client().get("/api/crossings/openrosa/formList").status_code == 401
    r = Client().get("/api/crossings/openrosa/formList", **auth)
    assert r.status_code == 200 and r["X-OpenRosa-Version"] == "1.0"
    ns = {"x": "http://openrosa.org/xforms/xformsList"}
    entry = fromstring(r.content).find("x:xform", ns)
    assert entry.find("x:formID", ns).text == "safepassage_crossing_count"
    url = entry.find("x:downloadUrl", ns).text
    form = Client().get(url.replace("http://testserver", ""), **auth)
    assert form.status_code == 200 and b'id="safepassage_crossing_count"' in form.content
    import hashlib

    assert entry.find("x:hash", ns).text == "md5:" + hashlib.md5(form.content, usedforsecurity=False).hexdigest()
    xlsx = Client().get("/api/crossings/forms/checkpoint_count.xlsx", **auth)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert Client().get("/api/crossings/forms/checkpoint_count.xlsx",
                        **_basic(actors["partner"], "u_partner")).status_code == 403
