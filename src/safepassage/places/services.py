"""Writers for places: GeoJSON import with field mapping, and control observations."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from pydantic import ValidationError
from shapely.geometry import MultiPolygon, shape
from shapely.geometry import mapping as to_geojson
from shapely.ops import unary_union

from safepassage.audit.services import record
from safepassage.core.errors import FieldError, InvalidInput
from safepassage.core.geometry import AREA_TYPES, POINT_TYPES, validate_geometry
from safepassage.core.models import snapshot
from safepassage.core.timeutil import now, require_aware
from safepassage.places.models import ControlObservation, Place, PlaceKind
from safepassage.places.schemas import PlaceCreate

PLACE_FIELDS = ["kind", "name", "name_ar", "pcode", "site_type", "source", "external_id", "version"]
# Known spelling slips in source datasets, normalised on import.
SITE_TYPE_FIXES = {"eductional": "educational"}


@dataclass(frozen=True)
class FieldMapping:
    name_field: str
    name_ar_field: str | None = None
    id_field: str | None = None
    pcode_field: str | None = None
    site_type_field: str | None = None
    kind: str | None = None  # area / site; by default from the geometry type
    merge_parts: bool = False  # features sharing a key are parts of one place (e.g. a split neighbourhood)

    @property
    def key_fields(self) -> list[str]:
        return [f.strip() for f in (self.id_field or "").split(",") if f.strip()]


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_feature_collection(path: str | Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"file not found: {path}", field="file") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"not a readable GeoJSON file: {exc}", field="file") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidInput("expected a GeoJSON FeatureCollection", field="file")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput("the FeatureCollection has no features", field="file")
    return features


def _clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _parse_feature(i: int, feature: Any, mapping: FieldMapping) -> tuple[dict | None, list[FieldError]]:
    where = f"features[{i}]"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [FieldError(where, "not a GeoJSON Feature")]
    props = feature.get("properties") or {}
    errors: list[FieldError] = []
    name = _clean(props.get(mapping.name_field))
    if not name:
        errors.append(FieldError(f"{where}.properties.{mapping.name_field}", "name is missing or empty"))
    geom_type = (feature.get("geometry") or {}).get("type")
    kind = mapping.kind or (PlaceKind.SITE if geom_type in POINT_TYPES else PlaceKind.AREA)
    allowed = POINT_TYPES | AREA_TYPES if mapping.kind is None else (
        AREA_TYPES if kind == PlaceKind.AREA else POINT_TYPES | AREA_TYPES)
    geometry = None
    try:
        geometry = validate_geometry(feature.get("geometry"), field=f"{where}.geometry", allowed=allowed)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if errors:
        return None, errors
    site_type = _clean(props.get(mapping.site_type_field)) if mapping.site_type_field else ""
    site_type = SITE_TYPE_FIXES.get(site_type.lower(), site_type.lower())
    row = {
        "kind": kind,
        "name": name,
        "name_ar": _clean(props.get(mapping.name_ar_field)) if mapping.name_ar_field else "",
        "pcode": _clean(props.get(mapping.pcode_field)) if mapping.pcode_field else "",
        "site_type": site_type,
        "external_id": "|".join(_clean(props.get(f)) for f in mapping.key_fields) if mapping.key_fields else name,
        "geometry": geometry,
    }
    return (row, []) if not (errors := _text_errors(row, mapping, where)) else (None, errors)


def _text_errors(row: dict, mapping: FieldMapping, where: str) -> list[FieldError]:
    """An imported feature's texts checked by the JSON API's own schema (`PlaceCreate`): length, control characters."""
    source = {"name": mapping.name_field, "name_ar": mapping.name_ar_field, "pcode": mapping.pcode_field,
              "site_type": mapping.site_type_field}
    errors = []
    try:
        PlaceCreate.model_validate({k: row[k] for k in ("kind", "name", "name_ar", "pcode", "site_type", "geometry")})
    except ValidationError as exc:
        errors = [FieldError(f"{where}.properties.{source.get(str(e['loc'][0])) or e['loc'][0]}", e["msg"])
                  for e in exc.errors()]
    if len(row["external_id"]) > 100:
        errors.append(FieldError(f"{where}.properties.{mapping.id_field or mapping.name_field}",
                                 "the feature's key is longer than 100 characters"))
    return errors


def import_places(*, features: list[dict], mapping: FieldMapping, source: str, by,
                  on_progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validate every feature first, then upsert all in one transaction (idempotent on re-run)."""
    rows: list[dict] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}  # key -> position in rows
    first_index: list[int] = []  # position in rows -> feature index
    for i, feature in enumerate(features):
        row, errs = _parse_feature(i, feature, mapping)
        errors.extend(errs)
        if row is None:
            continue
        first = seen.get(row["external_id"])
        if first is not None and mapping.merge_parts:
            merged, err = _merge_part(rows[first], row, i)
            if err:
                errors.append(err)
            else:
                rows[first] = merged
            continue
        if first is not None:
            errors.append(FieldError(f"features[{i}]", f"duplicate key {row['external_id']!r} (also feature "
                                     f"{first_index[first]}); use --merge-parts if they are parts of one place"))
            continue
        seen[row["external_id"]] = len(rows)
        first_index.append(i)
        rows.append(row)
    if errors:
        shown = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise InvalidInput(f"{len(errors)} invalid feature(s), nothing imported: {shown}{more}", errors=errors)
    return _upsert_places(rows, source=source, by=by, on_progress=on_progress)


def _merge_part(row: dict, part: dict, index: int) -> tuple[dict, FieldError | None]:
    """Join a further part into a place: same name and kind required, geometries unioned."""
    if (part["name"], part["kind"]) != (row["name"], row["kind"]):
        return row, FieldError(f"features[{index}]", f"same key {part['external_id']!r} as {row['name']!r} "
                                                     f"but a different name or kind ({part['name']!r})")
    union = unary_union([shape(row["geometry"]), shape(part["geometry"])])
    if union.geom_type == "Polygon":
        union = MultiPolygon([union])
    return {**row, "geometry": validate_geometry(to_geojson(union), field=f"features[{index}].geometry",
                                                 allowed=AREA_TYPES | POINT_TYPES | {"MultiPoint"})}, None


@transaction.atomic
def _upsert_places(rows: list[dict], *, source: str, by, on_progress) -> ImportReport:
    existing = {p.external_id: p for p in Place.objects.filter(source=source)}
    created = updated = unchanged = 0
    for n, row in enumerate(rows, 1):
        place = existing.get(row["external_id"])
        if place is None:
            place = Place(source=source, **{k: v for k, v in row.items() if k != "geometry"})
            place.set_geometry(row["geometry"])
            place.save()
            created += 1
        elif any(getattr(place, k) != v for k, v in row.items()):
            before = snapshot(place, PLACE_FIELDS)
            for k, v in row.items():
                if k != "geometry":
                    setattr(place, k, v)
            place.set_geometry(row["geometry"])
            place.version += 1
            place.save()
            record(actor=by, action="place.updated", obj=place, before=before,
                   after=snapshot(place, PLACE_FIELDS))
            updated += 1
        else:
            unchanged += 1
        if on_progress and (n % 50 == 0 or n == len(rows)):
            on_progress(n, len(rows))
    # One summary entry rather than one per new feature keeps the log readable; the
    # source and counts make the import reproducible. A re-run that changes nothing writes nothing.
    if created or updated:
        record(actor=by, action="place.import_completed", object_type="places.place", object_id=source,
               after={"source": source, "created": created, "updated": updated, "unchanged": unchanged})
    return ImportReport(created, updated, unchanged)


@transaction.atomic
def create_place(*, kind: str, name: str, geometry: dict, name_ar: str = "", pcode: str = "",
                 site_type: str = "", by) -> Place:
    if kind not in PlaceKind.values:
        raise InvalidInput(f"kind must be one of {', '.join(PlaceKind.values)}", field="kind")
    if not name.strip():
        raise InvalidInput("name is required", field="name")
    allowed = AREA_TYPES if kind == PlaceKind.AREA else POINT_TYPES | AREA_TYPES
    geometry = validate_geometry(geometry, field="geometry", allowed=allowed)
    place = Place(kind=kind, name=name.strip(), name_ar=name_ar, pcode=pcode, site_type=site_type.lower())
    place.set_geometry(geometry)
    place.save()
    record(actor=by, action="place.created", obj=place, after=snapshot(place, PLACE_FIELDS))
    return place


@transaction.atomic
def update_place(*, place_id: int, expected_version: int, changes: dict, by) -> Place:
    place = Place.objects.select_for_update().get(pk=place_id)
    place.check_version(expected_version)
    before = snapshot(place, PLACE_FIELDS)
    for key in ("name", "name_ar", "pcode", "site_type"):
        if key in changes and changes[key] is not None:
            setattr(place, key, changes[key])
    if changes.get("geometry") is not None:
        allowed = AREA_TYPES if place.kind == PlaceKind.AREA else POINT_TYPES | AREA_TYPES
        place.set_geometry(validate_geometry(changes["geometry"], field="geometry", allowed=allowed))
    if not place.name.strip():
        raise InvalidInput("name is required", field="name")
    place.version += 1
    place.save()
    record(actor=by, action="place.updated", obj=place, before=before, after=snapshot(place, PLACE_FIELDS))
    return place


@transaction.atomic
def observe_control(*, place: Place, party, observed_from: datetime, source: str, status: str = "controlled",
                    note: str = "", by) -> ControlObservation:
    """Record who controls an area from a time on, according to a named source."""
    observed_from = require_aware(observed_from, "observed_from")
    if not source.strip():
        raise InvalidInput("a source is required: control is an observation, not a fact", field="source")
    if place.kind != PlaceKind.AREA:
        raise InvalidInput("control is observed for areas, not sites", field="place")
    if status == "controlled" and party is None:
        raise InvalidInput("name the party, or use status 'contested' or 'unknown'", field="party")
    obs = ControlObservation.objects.create(
        place=place, party=party, status=status, observed_from=observed_from, source=source, note=note,
        recorded_by=getattr(by, "user", by), recorded_at=now(),
    )
    record(actor=by, action="control.observed", obj=obs,
           after={"place": place.pk, "party": party and party.pk, "status": status,
                  "observed_from": observed_from, "source": source})
    return obs


@transaction.atomic
def record_population(*, place: Place, people: int, source: str, as_of, illustrative: bool = False, by):
    """Record how many people live in an area according to a named source on a date."""
    from safepassage.places.models import PopulationFigure

    if place.kind != PlaceKind.AREA:
        raise InvalidInput("a population figure belongs to an area", field="place_id")
    if people < 0:
        raise InvalidInput("a count of people is ≥ 0", field="people")
    if not source.strip():
        raise InvalidInput("name the source of the figure", field="source")
    fig = PopulationFigure.objects.create(place=place, people=people, source=source.strip(), as_of=as_of,
                                          illustrative=illustrative, recorded_at=now())
    record(actor=by, action="population.recorded", obj=fig,
           after={"place_id": place.pk, "people": people, "source": fig.source, "as_of": as_of,
                  "illustrative": illustrative})
    return fig
