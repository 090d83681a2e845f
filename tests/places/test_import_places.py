"""`safepassage import places`: field mapping, validation with feature index, all-or-nothing, idempotent."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.core.errors import InvalidInput
from safepassage.places import services
from safepassage.places.models import Place
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "src/safepassage/demo/data"


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _poly(name, x=37.1, props=None):
    return {"type": "Feature", "properties": {"NAME": name, **(props or {})},
            "geometry": {"type": "Polygon", "coordinates": [[[x, 36.1], [x + .01, 36.1], [x + .01, 36.11], [x, 36.1]]]}}


def test_real_aleppo_neighbourhoods_and_sites_import_and_reimport_idempotently():
    mapping = services.FieldMapping(name_field="NAME", name_ar_field="NAME_A", id_field="Id,NAME", kind="area",
                                    merge_parts=True)
    features = services.read_feature_collection(DATA / "Neighborhoods.geojson")
    assert len(features) == 133
    first = services.import_places(features=features, mapping=mapping, source="csr", by=SYSTEM)
    # 133 features; 7 neighbourhoods come in several parts and are joined into one place each.
    assert (first.created, first.updated, first.unchanged) == (126, 0, 0)
    tishreen = Place.objects.get(name="Tishreen")
    assert tishreen.geometry["type"] == "MultiPolygon" and tishreen.name_ar
    again = services.import_places(features=features, mapping=mapping, source="csr", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 126)
    assert AuditEntry.objects.filter(action="place.import_completed").count() == 1

    sites = services.import_places(features=services.read_feature_collection(DATA / "Cultural.geojson"),
                                   mapping=services.FieldMapping(name_field="FACILITY_N", site_type_field="Typology"),
                                   source="csr-sites", by=SYSTEM)
    assert sites.created == 210
    assert Place.objects.filter(kind="site", site_type="educational").count() == 20  # "Eductional" normalised


def test_changed_feature_updates_and_is_audited():
    mapping = services.FieldMapping(name_field="NAME", id_field="code")
    services.import_places(features=[_poly("A", props={"code": "1"})], mapping=mapping, source="s", by=SYSTEM)
    report = services.import_places(features=[_poly("A renamed", props={"code": "1"})], mapping=mapping, source="s",
                                    by=SYSTEM)
    assert (report.created, report.updated) == (0, 1)
    place = Place.objects.get()
    assert place.name == "A renamed" and place.version == 2
    assert AuditEntry.objects.get(action="place.updated").before["name"] == "A"


@pytest.mark.parametrize(
    ("feature", "field", "reason"),
    [
        ({"type": "Feature", "properties": {"NAME": "x"}, "geometry": None}, "features[1].geometry", "GeoJSON"),
        ({"type": "Feature", "properties": {}, "geometry": _poly("x")["geometry"]}, "features[1].properties.NAME",
         "missing"),
        ({"type": "Feature", "properties": {"NAME": "bow"}, "geometry": {"type": "Polygon", "coordinates": [
            [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}, "features[1].geometry", "Self-intersection"),
        ({"type": "Feature", "properties": {"NAME": "far"}, "geometry": {"type": "Point", "coordinates": [500, 36]}},
         "features[1].geometry", "WGS 84"),
        ({"type": "Feature", "properties": {"NAME": "a"}, "geometry": {"type": "Polygon", "coordinates": "zz"}},
         "features[1].geometry", "malformed"),
        ("not a feature", "features[1]", "not a GeoJSON Feature"),
    ],
)
def test_bad_feature_is_named_and_nothing_is_imported(feature, field, reason):
    mapping = services.FieldMapping(name_field="NAME")
    with pytest.raises(InvalidInput) as err:
        services.import_places(features=[_poly("good"), feature], mapping=mapping, source="s", by=SYSTEM)
    assert any(e.field == field and reason in e.reason for e in err.value.errors), err.value.errors
    assert Place.objects.count() == 0


def test_duplicate_keys_are_refused_unless_merging_parts():
    mapping = services.FieldMapping(name_field="NAME")
    with pytest.raises(InvalidInput, match="duplicate key 'A'.*--merge-parts"):
        services.import_places(features=[_poly("A"), _poly("A", 37.2)], mapping=mapping, source="s", by=SYSTEM)
    merge = services.FieldMapping(name_field="NAME", merge_parts=True)
    services.import_places(features=[_poly("A"), _poly("A", 37.2)], mapping=merge, source="s", by=SYSTEM)
    assert Place.objects.get().geometry["type"] == "MultiPolygon"


def test_read_feature_collection_errors(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="not a readable GeoJSON"):
        services.read_feature_collection(bad)
    with pytest.raises(InvalidInput, match="file not found"):
        services.read_feature_collection(tmp_path / "missing.geojson")
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps(_fc()))
    with pytest.raises(InvalidInput, match="no features"):
        services.read_feature_collection(empty)


@pytest.mark.django_db(transaction=True)
def test_cli_import_reports_counts_and_errors(tmp_path):
    env = {**os.environ, "SAFEPASSAGE_SQLITE": str(tmp_path / "db.sqlite3"), "SAFEPASSAGE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "safepassage.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    assert run("migrate", "-v0").returncode == 0
    good = tmp_path / "areas.geojson"
    good.write_text(json.dumps(_fc(_poly("A"), _poly("B", 37.2))))
    first = run("import", "places", str(good), "--name-field", "NAME")
    assert first.returncode == 0, first.stderr
    assert "2 features: 2 created, 0 updated, 0 unchanged" in first.stdout
    assert "2 created, 0 updated, 0 unchanged" not in run("import", "places", str(good), "--name-field",
                                                             "NAME").stdout
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(_fc(_poly("C"), {"type": "Feature", "properties": {"NAME": "D"}, "geometry": None})))
    failed = run("import", "places", str(bad), "--name-field", "NAME")
    assert failed.returncode == 2
    assert "features[1].geometry" in failed.stderr and "nothing imported" in failed.stderr
