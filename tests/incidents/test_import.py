"""`safepassage import incidents`: mapping, fixed values, dates, all-or-nothing, dry run, report, idempotence."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.cli import main
from safepassage.core.errors import InvalidInput
from safepassage.incidents import importer
from safepassage.incidents.models import Attribution, ImportRun, Incident, Source
from safepassage.places import services as places
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "src/safepassage/demo/data"


def _fc(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _point(x=37.15, y=36.2, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [x, y]}}


LINE = {"type": "Feature", "properties": {"road": "Castello"},
        "geometry": {"type": "LineString", "coordinates": [[37.1, 36.2], [37.2, 36.25]]}}
AREA = {"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[37.1, 36.1], [37.2, 36.1], [37.2, 36.2], [37.1, 36.1]]]}}


def _write(tmp_path, data, name="in.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if isinstance(data, dict) else data, encoding="utf-8")
    return path


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(["import", "incidents", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _import(features, source="test source", **kw):
    mapping = kw.pop("mapping", importer.Mapping())
    return importer.import_incidents(features=features, mapping=mapping, source=source, file_name="f.geojson",
                                     by=SYSTEM, **kw)


def test_without_a_mapping_any_point_line_or_area_is_imported_as_other_with_unknown_time():
    report = _import([_point(), LINE, AREA])
    assert (report.features, report.created, report.invalid) == (3, 3, [])
    kinds = sorted(i.geometry["type"] for i in Incident.objects.all())
    assert kinds == ["LineString", "Point", "Polygon"]
    for i in Incident.objects.all():
        assert i.categories == ["other"]
        assert (i.time_earliest, i.time_latest, i.time_precision) == (None, None, "unknown")
        assert (i.verification, i.published) == ("unverified", False)
        assert i.title == "other (test source)"


def test_mapping_fixed_values_dates_source_and_unknown_attribution():
    mapping = importer.Mapping.parse(["time=DatePeriod", "description=Cause", "location_precision_m=ded1_Radius",
                                      "id=OBJECTID"], ["category=damage_observed"])
    features = [_point(OBJECTID=1, DatePeriod="06JUN14-25JAN15", Cause="Air Strike", ded1_Radius=41.96),
                _point(37.16, OBJECTID=2, DatePeriod="Before 31OCT13", Cause="Arson", ded1_Radius=10),
                _point(37.17, OBJECTID=3, DatePeriod="2015/04/26", Cause="", ded1_Radius="")]
    report = _import(features, source="HRW via CSR", mapping=mapping, source_kind="satellite_imagery")
    assert report.created == 3
    one, two, three = (Incident.objects.get(import_key=k) for k in ("1", "2", "3"))
    assert one.categories == ["damage_observed"] and one.description == "Air Strike"
    assert one.location_precision_m == 42
    assert (one.time_earliest, one.time_latest, one.time_precision) == (
        datetime(2014, 6, 6, tzinfo=UTC), datetime(2015, 1, 25, 23, 59, 59, 999999, tzinfo=UTC), "day")
    assert (two.time_earliest, two.time_latest) == (None, datetime(2013, 10, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert three.time_earliest == datetime(2015, 4, 26, tzinfo=UTC) and three.location_precision_m is None
    source = Source.objects.get(incident=one)
    assert (source.kind, source.name, source.connection) == ("satellite_imagery", "HRW via CSR", "reporter")
    attribution = Attribution.objects.get(incident=one)
    assert attribution.party is None and attribution.source == source  # attribution unknown, per the source
    run = ImportRun.objects.get()
    assert set(Incident.objects.values_list("import_run", flat=True)) == {run.pk}
    assert run.source == "HRW via CSR" and run.counts["created"] == 3
    entries = AuditEntry.objects.filter(action="incident.import_completed")
    assert entries.count() == 1 and entries.get().after["created"] == 3
    assert not AuditEntry.objects.filter(action="incident.created").exists()  # one entry per run, not per row


def test_mapping_file_and_csv_with_coordinates_and_time_columns(tmp_path, capsys):
    csv = _write(tmp_path, "ref,what,lon,lat,from,to,kind\n"
                           "a1,Road blocked,37.15,36.2,2016-10-20,2016-10-21,access_restriction_of_movement\n"
                           "a2,Shelling,37.16,36.21,2016-10,,access_hostilities\n"
                           "a3,No place,,,,,other\n", "in.csv")
    mapping = _write(tmp_path, {"map": {"id": "ref", "title": "what", "time_earliest": "from",
                                        "time_latest": "to", "category": "kind"},
                                "set": {"description": "from the field team's log"}}, "map.json")
    code, out, err = _run(capsys, csv, "--mapping", mapping, "--source", "field log", "--json")
    assert code == 0, err
    assert json.loads(out)["created"] == 3
    a1 = Incident.objects.get(import_key="a1")
    assert a1.title == "Road blocked" and a1.geometry == {"type": "Point", "coordinates": [37.15, 36.2]}
    assert (a1.time_earliest, a1.time_latest, a1.time_precision) == (
        datetime(2016, 10, 20, tzinfo=UTC), datetime(2016, 10, 21, 23, 59, 59, 999999, tzinfo=UTC), "day")
    assert a1.description == "from the field team's log"
    a2 = Incident.objects.get(import_key="a2")
    assert (a2.time_earliest, a2.time_latest, a2.time_precision) == (datetime(2016, 10, 1, tzinfo=UTC), None, "month")
    assert Incident.objects.get(import_key="a3").geometry is None


def test_an_invalid_feature_stores_nothing_and_is_reported_by_index(tmp_path, capsys):
    bad = [_point(t="2015/04/26"), _point(t="sometime"), {"type": "Feature", "properties": {}, "geometry": None},
           _point(200, 36.2, t="")]
    path = _write(tmp_path, _fc(*bad))
    code, out, err = _run(capsys, path, "--map", "time=t", "--json")
    assert code == 1
    report = json.loads(out)
    assert [i["index"] for i in report["invalid"]] == [1, 2, 3]
    assert "sometime" in report["invalid"][0]["reason"]
    assert report["invalid"][1]["reason"].startswith("geometry")
    assert (report["created"], report["features"]) == (0, 4)
    assert not Incident.objects.exists() and not ImportRun.objects.exists()
    assert not AuditEntry.objects.filter(action="incident.import_completed").exists()

    code, out, _ = _run(capsys, path, "--map", "time=t", "--json", "--skip-invalid")
    assert code == 0 and json.loads(out)["created"] == 1 and Incident.objects.count() == 1


def test_unknown_category_and_unknown_mapping_field_are_refused(tmp_path, capsys):
    path = _write(tmp_path, _fc(_point()))
    code, out, _ = _run(capsys, path, "--set", "category=rumour", "--json")
    assert code == 1 and "unknown category 'rumour'" in json.loads(out)["invalid"][0]["reason"]
    code, _, err = _run(capsys, path, "--map", "colour=c")
    assert code == 2 and "unknown incident field 'colour'" in err
    with pytest.raises(InvalidInput, match="field=value"):
        importer.Mapping.parse(["title"])
    code, _, err = _run(capsys, tmp_path / "missing.geojson")
    assert code == 2 and "file not found" in err


def test_dry_run_writes_nothing_and_json_report_has_the_exact_shape(tmp_path, capsys, area):
    path = _write(tmp_path, _fc(_point(37.15, 36.15), _point(37.3, 36.5), LINE))
    code, out, err = _run(capsys, path, "--dry-run", "--json")
    assert code == 0, err
    assert out.count("\n") == 1  # one JSON object on stdout; progress goes to stderr
    report = json.loads(out)
    assert list(report) == ["features", "created", "updated", "unchanged", "invalid", "by_area", "outside_areas"]
    assert report == {"features": 3, "created": 3, "updated": 0, "unchanged": 0, "invalid": [],
                      "by_area": {"Test area": 1}, "outside_areas": 2}
    assert not Incident.objects.exists() and not ImportRun.objects.exists()


def test_re_run_is_idempotent_and_a_changed_feature_is_updated(tmp_path, capsys):
    features = [_point(37.15 + i / 100, Cause="shelling") for i in range(5)] + [_point(37.15, Cause="shelling")]
    path = _write(tmp_path, _fc(*features))
    code, out, _ = _run(capsys, path, "--json")
    assert code == 0 and json.loads(out)["created"] == 6  # an exact duplicate is kept apart by its occurrence
    code, out, _ = _run(capsys, path, "--json")
    assert json.loads(out) | {"by_area": {}} == {"features": 6, "created": 0, "updated": 0, "unchanged": 6,
                                                 "invalid": [], "by_area": {}, "outside_areas": 6}
    assert Incident.objects.count() == 6 and Source.objects.count() == 6
    # with an id mapped, a changed feature is updated in place and names the new run
    ided = _write(tmp_path, _fc(_point(id="x", Cause="a"), _point(37.2, id="y", Cause="b")), "ided.geojson")
    _run(capsys, ided, "--map", "id=id", "--map", "description=Cause", "--source", "S")
    ided.write_text(json.dumps(_fc(_point(id="x", Cause="a2"), _point(37.2, id="y", Cause="b"))))
    code, out, _ = _run(capsys, ided, "--map", "id=id", "--map", "description=Cause", "--source", "S", "--json")
    assert (json.loads(out)["updated"], json.loads(out)["unchanged"]) == (1, 1)
    x = Incident.objects.get(import_source="S", import_key="x")
    assert x.description == "a2" and x.import_run == ImportRun.objects.order_by("-id").first()
    assert AuditEntry.objects.filter(action="incident.import_completed").count() == 4


def test_by_area_counts_each_valid_feature_in_at_most_one_area(tmp_path, capsys):
    sq = lambda x0, y0, s: {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + s, y0], [x0 + s, y0 + s],  # noqa: E731
                                                               [x0, y0 + s], [x0, y0]]]}
    places.create_place(kind="area", name="Big", geometry=sq(37.0, 36.0, 1.0), by=SYSTEM)
    places.create_place(kind="area", name="Small inside big", geometry=sq(37.1, 36.1, 0.1), by=SYSTEM)
    places.create_place(kind="site", name="A site", geometry={"type": "Point", "coordinates": [37.5, 36.5]},
                        by=SYSTEM)
    path = _write(tmp_path, _fc(_point(37.15, 36.15), _point(37.5, 36.5), _point(37.55, 36.5), _point(38.5, 36.5),
                                _point(37.16, 36.16, t="bad date")))
    _, out, _ = _run(capsys, path, "--map", "time=t", "--skip-invalid", "--json")
    report = json.loads(out)
    assert report["by_area"] == {"Small inside big": 1, "Big": 2}
    assert report["outside_areas"] == 1 and len(report["invalid"]) == 1
    _, out, _ = _run(capsys, path, "--map", "time=t", "--skip-invalid", "--json")
    again = json.loads(out)
    assert again["by_area"] == {"Small inside big": 1, "Big": 2} and again["unchanged"] == 4


def test_real_hrw_dataset_with_its_date_intervals():
    mapping = importer.Mapping.parse(["id=OBJECTID", "time=DatePeriod", "description=Cause",
                                      "location_precision_m=ded1_Radius"], ["category=damage_observed"])
    features = importer.read_features(DEMO / "HRW_02.geojson")
    places.import_places(features=places.read_feature_collection(DEMO / "Neighborhoods.geojson"),
                         mapping=places.FieldMapping(name_field="NAME", id_field="Id,NAME", kind="area",
                                                     merge_parts=True), source="csr", by=SYSTEM)
    report = _import(features, source="HRW via CSR", mapping=mapping)
    assert (report.features, report.created, report.invalid) == (3364, 3364, [])
    assert sum(report.by_area.values()) + report.outside_areas == 3364
    assert not Incident.objects.filter(time_precision="unknown").exists()
    again = _import(features, source="HRW via CSR", mapping=mapping)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3364)


def test_demo_damage_datasets_are_unverified_observations_with_a_named_source_and_idempotent():
    from safepassage.demo.damage import DATASETS, load_damage

    load_damage(SYSTEM, log=lambda m: None, sample=50)
    assert 95 <= Incident.objects.count() <= 100
    for _, source, _ in DATASETS:
        qs = Incident.objects.filter(import_source=source)
        assert qs.exists()
        assert set(qs.values_list("verification", "published")) == {("unverified", False)}
        assert {tuple(c) for c in qs.values_list("categories", flat=True)} == {("damage_observed",)}
        assert set(Source.objects.filter(incident__in=qs).values_list("name", "kind")) == {
            (source, "satellite_imagery")}
        assert not Attribution.objects.filter(incident__in=qs, party__isnull=False).exists()
    un = Incident.objects.filter(import_source=DATASETS[0][1]).first()
    assert un.time_precision == "day" and "Main_Dam_2" in un.description
    count = Incident.objects.count()
    load_damage(SYSTEM, log=lambda m: None, sample=50)
    assert Incident.objects.count() == count
    load_damage(SYSTEM, log=lambda m: None, sample=0)
    assert Incident.objects.count() == count
