"""Import incidents from GeoJSON or CSV with a field mapping, fixed values and a source for the whole file.

Every feature is checked first; a file with an invalid feature stores nothing unless invalid features are
skipped. Rows are written in bulk in one transaction, with one audit entry per run
(`incident.import_completed`, with the counts) rather than one per incident; each imported incident names
its import run, so every record traces back to the run, the file and the source. A re-run is idempotent:
a feature is identified by its mapped id, or else by a hash of its geometry and properties.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from shapely import STRtree

from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput
from safepassage.core.geometry import AREA_TYPES, LINE_TYPES, POINT_TYPES, validate_geometry
from safepassage.core.timeutil import now
from safepassage.incidents.dates import parse_interval
from safepassage.incidents.models import (
    Attribution,
    Category,
    Connection,
    ImportRun,
    Incident,
    Source,
    SourceKind,
    TimePrecision,
    Verification,
)
from safepassage.places.models import Place, PlaceKind

# incident field -> what the mapped column holds
FIELDS = {
    "id": "the feature's identifier in its dataset (for idempotent re-runs)",
    "title": "the title",
    "description": "the description (several columns joined with commas: 'col: value; ...')",
    "category": "one category code, or several separated by ','",
    "time": "an uncertain date or interval, e.g. 06JUN14-25JAN15, Before 31OCT13, 2015/04/26, 2015-04-26",
    "time_earliest": "the earliest date", "time_latest": "the latest date",
    "location_precision_m": "how precisely the location is known, in metres",
    "lon": "longitude (CSV)", "lat": "latitude (CSV)", "geometry": "a GeoJSON geometry as text (CSV)",
}
FIXED = {"title", "description", "category", "time", "time_earliest", "time_latest", "location_precision_m"}
UPDATABLE = ["title", "description", "categories", "geometry", "time_earliest", "time_latest", "time_precision",
             "location_precision_m"]
CHUNK = 2000
_CATEGORIES = frozenset(Category.values)
_LABELS = dict(Category.choices)


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # incident field -> source column
    fixed: dict[str, str] = field(default_factory=dict)  # incident field -> value for every feature

    def __post_init__(self) -> None:
        for name in self.columns:
            if name not in FIELDS:
                raise InvalidInput(f"unknown incident field {name!r}; one of {', '.join(FIELDS)}", field="map")
        for name in self.fixed:
            if name not in FIXED:
                raise InvalidInput(f"a fixed value is for one of {', '.join(sorted(FIXED))}", field="set")

    @classmethod
    def parse(cls, pairs: list[str] = (), fixed: list[str] = (), mapping_file: str | None = None) -> Mapping:
        """Build from `field=column` pairs, `field=value` fixed values and a JSON file {"map": {}, "set": {}}."""
        columns: dict[str, str] = {}
        values: dict[str, str] = {}
        if mapping_file:
            try:
                data = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InvalidInput(f"mapping file not readable: {exc}", field="mapping") from exc
            if not isinstance(data, dict):
                raise InvalidInput('expected {"map": {field: column}, "set": {field: value}}', field="mapping")
            columns.update({str(k): str(v) for k, v in (data.get("map") or {}).items()})
            values.update({str(k): str(v) for k, v in (data.get("set") or {}).items()})
        for target, items in ((columns, pairs), (values, fixed)):
            for item in items or ():
                name, sep, value = item.partition("=")
                if not sep or not name.strip():
                    raise InvalidInput(f"expected field=value, got {item!r}", field="map")
                target[name.strip()] = value.strip()
        return cls(columns, values)


REPORT_KEYS = ("features", "created", "updated", "unchanged", "invalid", "by_area", "outside_areas")


@dataclass
class ImportReport:
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: list[dict] = field(default_factory=list)
    by_area: dict[str, int] = field(default_factory=dict)
    outside_areas: int = 0
    stored: bool = False
    run_id: int | None = None

    def as_json(self) -> dict:
        """The report's public shape (the CLI's `--json`)."""
        out = asdict(self)
        return {k: out[k] for k in REPORT_KEYS}


def read_features(path: str | Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection, or the rows of a CSV as features (geometry from the mapping)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InvalidInput(f"file not found: {path}", field="file") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not a UTF-8 text file: {exc}", field="file") from exc
    if path.suffix.lower() == ".csv":
        return [{"type": "Feature", "properties": row, "geometry": None, "_csv": True}
                for row in csv.DictReader(text.splitlines())]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not a readable GeoJSON file: {exc}", field="file") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise InvalidInput("expected a GeoJSON FeatureCollection", field="file")
    return data["features"]


def _value(props: dict, mapping: Mapping, name: str) -> str:
    if name in mapping.columns:
        column = mapping.columns[name]
        if name == "description" and "," in column:
            parts = [(c.strip(), props.get(c.strip())) for c in column.split(",")]
            return "; ".join(f"{c}: {v}" for c, v in parts if v not in (None, ""))
        value = props.get(column)
        return "" if value is None else str(value).strip()
    return mapping.fixed.get(name, "")


def _csv_geometry(props: dict, mapping: Mapping) -> dict | None:
    if "geometry" in mapping.columns:
        text = _value(props, mapping, "geometry")
        return json.loads(text) if text else None
    lon_col = mapping.columns.get("lon") or next((c for c in ("lon", "longitude", "x") if c in props), None)
    lat_col = mapping.columns.get("lat") or next((c for c in ("lat", "latitude", "y") if c in props), None)
    if lon_col is None or lat_col is None or not (props.get(lon_col) or props.get(lat_col)):
        return None
    return {"type": "Point", "coordinates": [float(props[lon_col]), float(props[lat_col])]}


def _time(props: dict, mapping: Mapping) -> tuple:
    if "time" in mapping.columns or "time" in mapping.fixed:
        return parse_interval(_value(props, mapping, "time"))
    earliest_text, latest_text = _value(props, mapping, "time_earliest"), _value(props, mapping, "time_latest")
    if not earliest_text and not latest_text:
        return None, None, TimePrecision.UNKNOWN
    e, _, p1 = parse_interval(earliest_text) if earliest_text else (None, None, "minute")
    _, lt, p2 = parse_interval(latest_text) if latest_text else (None, None, "minute")
    ranks = ["minute", "hour", "day", "month", "year"]
    return e, lt, max(p1, p2, key=ranks.index)


def _plain_point(geometry: Any) -> bool:
    """A Point of two finite in-range numbers: valid without building a shape (the common case, checked fast)."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return False
    c = geometry.get("coordinates")
    return (isinstance(c, list) and len(c) == 2 and all(type(v) in (int, float) for v in c)
            and -180 <= c[0] <= 180 and -90 <= c[1] <= 90)


def _parse(feature: Any, mapping: Mapping, source: str) -> dict:
    """One feature as the fields of an incident; raise ValueError with the reason."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("properties is not an object")
    try:
        geometry = _csv_geometry(props, mapping) if feature.get("_csv") else feature.get("geometry")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"coordinates not understood: {exc}") from exc
    earliest, latest, precision = _time(props, mapping)
    categories = [c.strip() for c in (_value(props, mapping, "category") or Category.OTHER).split(",") if c.strip()]
    precision_text = _value(props, mapping, "location_precision_m")
    try:
        location_precision = round(float(precision_text)) if precision_text else None
    except ValueError as exc:
        raise ValueError(f"location_precision_m: not a number: {precision_text!r}") from exc
    if not categories:
        raise ValueError("category: give at least one category (use 'other' when none fits)")
    title = (_value(props, mapping, "title") or f"{_LABELS.get(categories[0], categories[0])} ({source})")[:200]
    unknown = [c for c in categories if c not in _CATEGORIES]
    if unknown:
        raise ValueError(f"category: unknown category {unknown[0]!r}; one of {', '.join(Category.values)}")
    if earliest and latest and earliest > latest:
        raise ValueError("time_latest: the earliest time is after the latest")
    if location_precision is not None and location_precision < 0:
        raise ValueError("location_precision_m: a precision is a distance in metres ≥ 0")
    if geometry is None and not feature.get("_csv"):
        raise ValueError("geometry: a GeoJSON feature needs a point, line or area")
    if geometry is not None and not _plain_point(geometry):
        try:
            geometry = validate_geometry(geometry, field="geometry", allowed=POINT_TYPES | LINE_TYPES | AREA_TYPES)
        except InvalidInput as exc:
            raise ValueError(f"{exc.errors[0].field}: {exc.errors[0].reason}" if exc.errors else exc.reason) from exc
    fields = {"title": title, "categories": sorted(set(categories)), "geometry": geometry,
              "time_earliest": earliest, "time_latest": latest, "time_precision": precision,
              "location_precision_m": location_precision}
    fields["description"] = _value(props, mapping, "description")
    ident = _value(props, mapping, "id") if "id" in mapping.columns else ""
    if "id" in mapping.columns and not ident:
        raise ValueError(f"properties.{mapping.columns['id']}: the id is empty")
    if len(ident) > 80:
        raise ValueError("the id is longer than 80 characters")
    body = {"geometry": geometry, "properties": {k: v for k, v in props.items()}}
    fields["import_key"] = ident or "h:" + hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()[:40]
    return fields


class _Areas:
    """The areas (places of kind area) in an STRtree: which one contains a geometry."""

    def __init__(self) -> None:
        rows = list(Place.objects.filter(kind=PlaceKind.AREA).values_list("name", "geometry"))
        self.names = [name for name, _ in rows]
        self.shapes = [shapely.geometry.shape(g) for _, g in rows]
        self.sizes = np.array([s.area for s in self.shapes]) if rows else np.array([])
        self.tree = STRtree(self.shapes) if rows else None

    def count(self, geometries: list[dict | None], report: ImportReport) -> None:
        points = [i for i, g in enumerate(geometries) if g and g["type"] == "Point"]
        shapes: list = [None] * len(geometries)
        if points:
            built = shapely.points(np.array([geometries[i]["coordinates"][:2] for i in points], dtype=float))
            for i, shp in zip(points, built, strict=True):
                shapes[i] = shp
        for i, g in enumerate(geometries):
            if g and shapes[i] is None:
                shapes[i] = shapely.geometry.shape(g)
        located = [i for i, s in enumerate(shapes) if s is not None]
        best: dict[int, int] = {}
        if self.tree is not None and located:
            inputs, areas = self.tree.query([shapes[i] for i in located], predicate="within")
            for i, a in zip(inputs.tolist(), areas.tolist(), strict=True):
                b = best.get(i)
                if b is None or self.sizes[a] < self.sizes[b]:  # the smallest area when they nest
                    best[i] = a
        for a in best.values():
            report.by_area[self.names[a]] = report.by_area.get(self.names[a], 0) + 1
        report.outside_areas += len(geometries) - len(best)


def import_incidents(*, features: list[dict], mapping: Mapping, source: str, file_name: str, by,
                     source_kind: str = SourceKind.AGENCY, skip_invalid: bool = False, dry_run: bool = False,
                     on_progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Check every feature, then (unless refused or a dry run) upsert them in bulk in one transaction."""
    if not source.strip():
        raise InvalidInput("name the source of the file", field="source")
    if source_kind not in SourceKind.values:
        raise InvalidInput(f"one of {', '.join(SourceKind.values)}", field="source_kind")
    report = ImportReport(features=len(features))
    rows: list[dict] = []
    seen: dict[str, int] = {}
    total = len(features)
    for i, feature in enumerate(features):
        try:
            row = _parse(feature, mapping, source)
        except ValueError as exc:
            report.invalid.append({"index": i, "reason": str(exc)})
            continue
        key = row["import_key"]
        if key in seen:  # the same observation twice: kept apart by its occurrence, stably across re-runs
            seen[key] += 1
            row["import_key"] = f"{key}#{seen[key]}"
        else:
            seen[key] = 1
        row["index"] = i
        rows.append(row)
        if on_progress and (i + 1) % 1000 == 0:
            on_progress(i + 1, total)
    _Areas().count([r["geometry"] for r in rows], report)
    if report.invalid and not skip_invalid:
        return report
    existing = {r["import_key"]: r for r in Incident.objects.filter(import_source=source).values(
        "id", "import_key", *UPDATABLE)}
    new, changed = [], []
    for row in rows:
        old = existing.get(row["import_key"])
        if old is None:
            new.append(row)
        elif any(old[k] != row[k] for k in UPDATABLE):
            changed.append((old["id"], row))
        else:
            report.unchanged += 1
    report.created, report.updated = len(new), len(changed)
    if not dry_run:
        _store(report, new, changed, source=source, source_kind=source_kind, file_name=file_name, by=by,
               on_progress=on_progress)
    return report


@transaction.atomic
def _store(report: ImportReport, new: list[dict], changed: list[tuple[int, dict]], *, source: str,
           source_kind: str, file_name: str, by, on_progress) -> None:
    at = now()
    user = getattr(by, "user", by)
    run = ImportRun.objects.create(source=source, file_name=file_name, run_at=at,
                                   run_by=getattr(user, "username", None) or getattr(by, "via", "") or "system")
    done = 0
    for start in range(0, len(new), CHUNK):
        chunk = new[start:start + CHUNK]
        incidents = Incident.objects.bulk_create([
            Incident(**{k: v for k, v in r.items() if k != "index"}, verification=Verification.UNVERIFIED,
                     published=False, recorded_by=user, recorded_at=at, import_run=run, import_source=source)
            for r in chunk])
        sources = Source.objects.bulk_create([
            Source(incident=i, kind=source_kind, name=source[:200], connection=Connection.REPORTER,
                   statement=f"{file_name}, feature {r['index']}", recorded_by=user, recorded_at=at)
            for i, r in zip(incidents, chunk, strict=True)])
        Attribution.objects.bulk_create([  # a damage observation says nothing of who caused it: unknown
            Attribution(incident=i, party=None, source=s, recorded_by=user, recorded_at=at)
            for i, s in zip(incidents, sources, strict=True)])
        done += len(chunk)
        if on_progress:
            on_progress(done, len(new) + len(changed))
    if changed:
        objs = []
        for pk, r in changed:
            obj = Incident(pk=pk, import_run=run, **{k: r[k] for k in UPDATABLE})
            objs.append(obj)
        Incident.objects.bulk_update(objs, [*UPDATABLE, "import_run"], batch_size=CHUNK)
    run.counts = report.as_json() | {"invalid": len(report.invalid)}
    run.save(update_fields=["counts"])
    report.stored, report.run_id = True, run.pk
    record(actor=by, action="incident.import_completed", obj=run,
           after={"source": source, "file": file_name, **run.counts})
