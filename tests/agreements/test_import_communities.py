"""`safepassage import communities`: CSV or GeoJSON, all-or-nothing validation naming the record, idempotent."""

import json
import os
import subprocess
import sys

import pytest

from safepassage.agreements import services
from safepassage.agreements.models import Community
from safepassage.audit.models import AuditEntry
from safepassage.core.errors import InvalidInput
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
CSV = "name,pcode,lon,lat,population,population_date\nQudsaya,SY140100,36.19,33.53,20000,2010-01-01\n" \
      "Al-Hamah,SY140101,36.22,33.55,,\n"


def _import(path, source="census"):
    return services.import_communities(records=services.read_community_file(path), source=source, by=SYSTEM)


def test_csv_import_creates_places_and_figures_and_reimport_changes_nothing(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(CSV)
    first = _import(path)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    q = Community.objects.select_related("place").get(place__pcode="SY140100")
    assert (q.place.name, q.population, q.population_source, str(q.population_as_of)) == \
        ("Qudsaya", 20000, "census", "2010-01-01")
    assert q.place.geometry == {"type": "Point", "coordinates": [36.19, 33.53]}
    assert Community.objects.get(place__pcode="SY140101").population is None
    again = _import(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.filter(action="community.import_completed").count() == 1
    path.write_text(CSV.replace("20000", "21000"))
    assert _import(path).updated == 1
    assert Community.objects.get(place__pcode="SY140100").population == 21000
    assert Community.objects.count() == 2


def test_geojson_import_accepts_points_and_areas(tmp_path):
    features = [
        {"type": "Feature", "properties": {"name": "A", "pcode": "P1", "population": 5},
         "geometry": {"type": "Point", "coordinates": [37.1, 36.2]}},
        {"type": "Feature", "properties": {"name": "B", "pcode": "P2", "population": 7},
         "geometry": {"type": "Polygon", "coordinates": [[[37.1, 36.1], [37.2, 36.1], [37.2, 36.2], [37.1, 36.1]]]}},
    ]
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert _import(path).created == 2
    kinds = dict(Community.objects.values_list("place__pcode", "place__kind"))
    assert kinds == {"P1": "site", "P2": "area"}


@pytest.mark.parametrize("row, field, reason", [
    (",SY1,36.1,33.5,10,", "rows[1].name", "missing"),
    ("X,SY1,east,33.5,10,", "rows[1].coordinates", "numbers"),
    ("X,SY1,236.1,33.5,10,", "rows[1].geometry", ""),
    ("X,SY1,36.1,33.5,-4,", "rows[1].population", "whole number"),
    ("X,SY1,36.1,33.5,12.5,", "rows[1].population", "whole number"),
    ("X,SY1,36.1,33.5,10,2010-31-12", "rows[1].population_date", "not a date"),
    ("Other,SY140100,36.1,33.5,10,", "rows[1]", "duplicate"),
])
def test_a_bad_row_is_named_and_nothing_is_imported(tmp_path, row, field, reason):
    path = tmp_path / "c.csv"
    path.write_text("name,pcode,lon,lat,population,population_date\nQudsaya,SY140100,36.19,33.53,20000,\n"
                    + row + "\n")
    with pytest.raises(InvalidInput) as exc:
        _import(path)
    assert "nothing imported" in exc.value.reason
    assert exc.value.errors[0].field.startswith(field) and reason in exc.value.errors[0].reason
    assert Community.objects.count() == 0


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(InvalidInput, match="not found"):
        services.read_community_file(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,x\nA,1\n")
    with pytest.raises(InvalidInput, match="lacks column"):
        services.read_community_file(bad)


@pytest.mark.django_db(transaction=True)
def test_cli_import_communities(tmp_path):
    env = {**os.environ, "SAFEPASSAGE_SQLITE": str(tmp_path / "db.sqlite3"), "SAFEPASSAGE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "safepassage.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    assert run("migrate", "-v0").returncode == 0
    good = tmp_path / "communities.csv"
    good.write_text(CSV)
    first = run("import", "communities", str(good), "--source", "OCHA 2016")
    assert first.returncode == 0, first.stderr
    assert "2 communities: 2 created, 0 updated, 0 unchanged" in first.stdout
    assert "2 communities: 0 created, 0 updated, 2 unchanged" in run("import", "communities", str(good),
                                                                      "--source", "OCHA 2016").stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "Broken,SY9,36,33,many,\n")
    failed = run("import", "communities", str(bad))
    assert failed.returncode == 2 and "rows[2].population" in failed.stderr and "nothing imported" in failed.stderr


def test_source_is_required_and_short(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(CSV)
    with pytest.raises(InvalidInput, match="source"):
        _import(path, source=" ")
    with pytest.raises(InvalidInput, match="too long"):
        _import(path, source="x" * 65)
    assert Community.objects.count() == 0
