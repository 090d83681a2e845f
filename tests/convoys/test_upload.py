"""Manifest upload (CSV and XLSX): the whole file is validated before anything is stored."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.test import Client
from openpyxl import Workbook

from safepassage.convoys.models import ManifestLine

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "item,category,quantity,unit,weight_kg\n"
    "Rice,food,200,bag,10000\n"
    "Blankets,shelter,1500,piece,3000\n"
    "Diesel,fuel,\"2000,5\",l,1700\n"
)


def upload(api, convoy, name: str, content: bytes, version: int | None = None, number_format: str = "1,500.5"):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api.token}")
    f = io.BytesIO(content)
    f.name = name
    return client.post(f"/api/convoys/{convoy['id']}/manifest/upload?version={version or convoy['version']}"
                       f"&number_format={quote(number_format)}",
                       {"file": f})


def fields(r) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in r.json()["errors"]}


def test_csv_manifest_replaces_the_manifest(coordinator, convoy):
    r = upload(coordinator, convoy, "manifest.csv", GOOD_CSV.encode(), number_format="1.500,5")
    assert r.status_code == 200, r.content
    lines = r.json()["manifest"]
    assert [(m["item"], m["quantity"], m["unit"]) for m in lines] == [
        ("Rice", "200.000", "bag"), ("Blankets", "1500.000", "piece"), ("Diesel", "2000.500", "l")]
    assert r.json()["manifest_version"] == 2


def test_csv_with_errors_names_every_row_and_stores_nothing(coordinator, convoy):
    bad = (
        "item,category,quantity,unit,weight_kg\n"
        "Rice,food,-200,bag,10000\n"
        "Blankets,shelter,lots,piece,3000\n"
        "Diesel,fuel,20,gallon,17\n"
        "rice,food,5,bag,250\n"
    )
    r = upload(coordinator, convoy, "manifest.csv", bad.encode())
    assert r.status_code == 422, r.content
    errs = fields(r)
    assert "negative" in errs["rows.2.quantity"]
    assert "not a number" in errs["rows.3.quantity"]
    assert "unknown unit 'gallon'" in errs["rows.4.unit"]
    assert "duplicate of line 2" in errs["rows.5.item"]
    assert ManifestLine.objects.filter(convoy_id=convoy["id"]).count() == 3  # the old manifest is untouched


def test_xlsx_manifest(coordinator, convoy):
    wb = Workbook()
    ws = wb.active
    ws.append(["Item", "Category", "Quantity", "Unit", "Weight_kg"])
    ws.append(["Insulin", "medical", 300, "dose", 12.5])
    ws.append(["Soap", "wash", 5000, "piece", 500])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(coordinator, convoy, "manifest.xlsx", buf.getvalue())
    assert r.status_code == 200, r.content
    assert [m["item"] for m in r.json()["manifest"]] == ["Insulin", "Soap"]
    ws.append(["Soap", "wash", -1, "piece", 1])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(coordinator, convoy, "manifest.xlsx", buf.getvalue(), version=r.json()["version"])
    assert r.status_code == 422 and "rows.4.quantity" in fields(r) and "rows.4.item" in fields(r)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("manifest.txt", b"x", "upload a .csv or .xlsx"),
        ("manifest.csv", b"", "empty"),
        ("manifest.csv", b"item,quantity\nRice,1\n", "missing column(s): category, unit, weight_kg"),
        ("manifest.csv", b"item,category,quantity,unit,weight_kg\n", "no lines"),
        ("manifest.csv", b"\xff\xfe\x00bad", "UTF-8"),
        ("manifest.xlsx", b"not a zip", "not a readable .xlsx"),
    ],
)
def test_unreadable_files_are_refused_by_field(coordinator, convoy, name, content, words):
    r = upload(coordinator, convoy, name, content)
    assert r.status_code == 422, r.content
    assert words in fields(r)["file"]


def test_upload_needs_the_current_version_and_the_right_role(actors, coordinator, convoy):
    assert upload(coordinator, convoy, "m.csv", GOOD_CSV.encode(), version=99).status_code == 409
    assert upload(actors["field_officer"], convoy, "m.csv", GOOD_CSV.encode()).status_code == 403


def test_thousands_are_never_read_as_decimals(coordinator, convoy):
    csv = "item,category,quantity,unit,weight_kg\nBlankets,shelter,\"1,500\",piece,\"3,000.5\"\n"
    r = upload(coordinator, convoy, "manifest.csv", csv.encode())
    assert r.status_code == 200, r.content
    assert [(m["quantity"], m["weight_kg"]) for m in r.json()["manifest"]] == [("1500.000", "3000.500")]


def test_a_value_the_chosen_format_cannot_read_is_refused_naming_line_and_column(coordinator, convoy):
    csv = "item,category,quantity,unit,weight_kg\nRice,food,200,bag,10\nOil,food,\"1,5\",l,2\n"
    r = upload(coordinator, convoy, "manifest.csv", csv.encode())
    assert r.status_code == 422
    assert "cannot be read in the 1,500.5 format" in fields(r)["rows.3.quantity"]
    assert ManifestLine.objects.filter(convoy_id=convoy["id"]).count() == 3  # the earlier manifest, untouched


def test_arabic_indic_digits_are_read(coordinator, convoy):
    csv = "item,category,quantity,unit,weight_kg\nطحين,food,١٬٥٠٠,bag,٣٠٠٠٠\nزيت,food,۲۵۰,l,۲۳۰٫۵\n"
    r = upload(coordinator, convoy, "manifest.csv", csv.encode())
    assert r.status_code == 200, r.content
    assert [(m["quantity"], m["weight_kg"]) for m in r.json()["manifest"]] == [
        ("1500.000", "30000.000"), ("250.000", "230.500")]


def test_an_unknown_number_format_is_refused(coordinator, convoy):
    r = upload(coordinator, convoy, "manifest.csv", GOOD_CSV.encode(), number_format="1500")
    assert r.status_code == 422 and "number_format" in fields(r)
