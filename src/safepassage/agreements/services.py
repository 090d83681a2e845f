"""Writers for communities, agreements, their status history and claimed tallies; each call one audited transaction."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from safepassage.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    AgreementStatusChange,
    ClaimedTally,
    Community,
    PartyRole,
    TallyMetric,
)
from safepassage.audit.services import record
from safepassage.core.errors import FieldError, InvalidInput, StateConflict
from safepassage.core.geometry import AREA_TYPES, POINT_TYPES, validate_geometry
from safepassage.core.models import snapshot
from safepassage.core.timeutil import now, operation_zone, require_aware
from safepassage.places import services as places
from safepassage.places.models import Place

# A date given without a time means 00:00 in the operation's time zone (no project-wide setting exists yet).
POPULATED_PLACE = "populated_place"
AGREEMENT_FIELDS = ["community", "name", "kind", "signed_at", "terms", "notes", "version"]
COMMUNITY_FIELDS = ["place", "population", "population_source", "population_as_of", "version"]


def parse_moment(value: datetime | date | str, field: str) -> datetime:
    """An aware UTC datetime from a datetime, an ISO string, or a date alone (00:00 in the operation's zone)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError as exc:
            raise InvalidInput("expected a date (YYYY-MM-DD) or a date and time with its zone", field=field) from exc
    if isinstance(value, datetime):
        moment = require_aware(value, field)
    elif isinstance(value, date):
        try:
            moment = datetime.combine(value, time(0), operation_zone()).astimezone(ZoneInfo("UTC"))
        except OverflowError as exc:
            raise InvalidInput("date is out of the supported range", field=field) from exc
    else:
        raise InvalidInput("expected a date or a date and time", field=field)
    return check_range(moment, field)


def check_range(moment: datetime, field: str) -> datetime:
    """Refuse moments so far out that a day before or after them cannot be represented."""
    if not 1900 <= moment.year <= 9000:
        raise InvalidInput("date is out of the supported range (years 1900-9000)", field=field)
    return moment


# --- communities -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityImportReport:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_community_file(path: str | Path) -> list[dict]:
    """Records from a CSV (name, pcode, lon, lat, population[, population_date, id]) or a GeoJSON FeatureCollection.

    The key that finds a community again on re-import is `id` when given, else the P-code, else the name.
    """
    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json"):
        features = places.read_feature_collection(path)
        out = []
        for i, f in enumerate(features):
            props = (f.get("properties") or {}) if isinstance(f, dict) else {}
            out.append({"where": f"features[{i}]", "id": props.get("id"), "name": props.get("name"),
                        "pcode": props.get("pcode"),
                        "geometry": f.get("geometry") if isinstance(f, dict) else None,
                        "population": props.get("population"), "population_date": props.get("population_date")})
        return out
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"name", "lon", "lat"} - set(reader.fieldnames or [])
            if missing:
                raise InvalidInput(f"the CSV lacks column(s) {', '.join(sorted(missing))}; expected name, pcode, "
                                   "lon, lat, population[, population_date]", field="file")
            rows = list(reader)
    except FileNotFoundError as exc:
        raise InvalidInput(f"file not found: {path}", field="file") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"not a readable CSV file: {exc}", field="file") from exc
    if not rows:
        raise InvalidInput("the CSV has no rows", field="file")
    out = []
    for i, row in enumerate(rows):
        geometry: Any = None
        try:
            geometry = {"type": "Point", "coordinates": [float(row.get("lon") or ""), float(row.get("lat") or "")]}
        except ValueError:
            geometry = {"invalid": "lon and lat must be numbers"}
        out.append({"where": f"rows[{i}]", "id": row.get("id"), "name": row.get("name"), "pcode": row.get("pcode"), "geometry": geometry,
                    "population": row.get("population"), "population_date": row.get("population_date")})
    return out


def _clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _parse_record(rec: dict) -> tuple[dict | None, list[FieldError]]:
    where, errors = rec["where"], []
    name = _clean(rec.get("name"))
    if not name:
        errors.append(FieldError(f"{where}.name", "name is missing or empty"))
    geometry = rec.get("geometry")
    if isinstance(geometry, dict) and "invalid" in geometry:
        errors.append(FieldError(f"{where}.coordinates", geometry["invalid"]))
        geometry = None
    else:
        try:
            geometry = validate_geometry(geometry, field=f"{where}.geometry", allowed=POINT_TYPES | AREA_TYPES)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    population: int | None = None
    raw = _clean(rec.get("population"))
    if raw:
        try:
            population = int(float(raw))
            if population < 0 or population != float(raw):
                raise ValueError
        except (ValueError, OverflowError):
            errors.append(FieldError(f"{where}.population", f"{raw!r} is not a whole number of people"))
    as_of: date | None = None
    raw_date = _clean(rec.get("population_date"))
    if raw_date:
        try:
            as_of = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(FieldError(f"{where}.population_date", f"{raw_date!r} is not a date (YYYY-MM-DD)"))
    if errors:
        return None, errors
    pcode = _clean(rec.get("pcode"))
    return {"name": name, "pcode": pcode, "key": _clean(rec.get("id")) or pcode or name, "geometry": geometry,
            "population": population, "population_as_of": as_of}, []


def import_communities(*, records: list[dict], source: str, by) -> CommunityImportReport:
    """Validate every record first (naming each bad one), then upsert places and figures at once; idempotent."""
    if not source.strip():
        raise InvalidInput("name the source of the figures", field="source")
    if len(source.strip()) > 64:  # the audit log names an import by its source, in at most 64 characters
        raise InvalidInput("the source name is too long (at most 64 characters)", field="source")
    rows, errors, seen = [], [], {}
    for rec in records:
        row, errs = _parse_record(rec)
        errors.extend(errs)
        if row is None:
            continue
        if row["key"] in seen:
            errors.append(FieldError(rec["where"], f"duplicate id, P-code or name {row['key']!r} "
                                     f"(also {seen[row['key']]})"))
            continue
        seen[row["key"]] = rec["where"]
        rows.append(row)
    if errors:
        shown = "; ".join(f"{e.field}: {e.reason}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise InvalidInput(f"{len(errors)} invalid record(s), nothing imported: {shown}{more}", errors=errors)
    return _upsert_communities(rows, source=source.strip(), by=by)


@transaction.atomic
def _upsert_communities(rows: list[dict], *, source: str, by) -> CommunityImportReport:
    features = [{"type": "Feature", "geometry": r["geometry"],
                 "properties": {"name": r["name"], "pcode": r["pcode"], "key": r["key"],
                                "site_type": POPULATED_PLACE if r["geometry"]["type"] in POINT_TYPES else ""}}
                for r in rows]
    mapping = places.FieldMapping(name_field="name", pcode_field="pcode", id_field="key", site_type_field="site_type")
    places.import_places(features=features, mapping=mapping, source=source, by=by)
    by_key = {p.external_id: p for p in Place.objects.filter(source=source, external_id__in=[r["key"] for r in rows])}
    existing = {c.place_id: c for c in Community.objects.filter(place__in=by_key.values())}
    created = updated = unchanged = 0
    for r in rows:
        place = by_key[r["key"]]
        wanted = {"population": r["population"], "population_source": source,
                  "population_as_of": r["population_as_of"]}
        community = existing.get(place.pk)
        if community is None:
            Community.objects.create(place=place, **wanted)
            created += 1
        elif any(getattr(community, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(community, k, v)
            community.version += 1
            community.save()
            updated += 1
        else:
            unchanged += 1
    if created or updated:
        record(actor=by, action="community.import_completed", object_type="agreements.community", object_id=source,
               after={"source": source, "created": created, "updated": updated, "unchanged": unchanged})
    return CommunityImportReport(created, updated, unchanged)


@transaction.atomic
def register_community(*, place: Place, population: int | None = None, population_source: str = "",
                       population_as_of: date | None = None, by) -> Community:
    """Register an existing place as a community, with its population figure and where it comes from."""
    if Community.objects.filter(place=place).exists():
        raise StateConflict("this place is already a registered community", field="place_id")
    if population is not None and population < 0:
        raise InvalidInput("population cannot be negative", field="population")
    if population is not None and not population_source.strip():
        raise InvalidInput("name the source of the population figure", field="population_source")
    community = Community.objects.create(place=place, population=population,
                                         population_source=population_source.strip(),
                                         population_as_of=population_as_of)
    record(actor=by, action="community.registered", obj=community, after=snapshot(community, COMMUNITY_FIELDS))
    return community


# --- agreements ------------------------------------------------------------------------------------


def _require_source(source: str) -> str:
    if not source or not source.strip():
        raise InvalidInput("name the source of this record (a document, a statement, a witness)", field="source")
    return source.strip()


@transaction.atomic
def create_agreement(*, community: Community, name: str, kind: str, signed_at: datetime | date | str,
                     source: str, terms: str = "", notes: str = "", parties: list[tuple[Any, str]] = (),
                     area_ids: list[int] = (), corridor_ids: list[int] = (), by) -> Agreement:
    """Record an agreement signed by a community; its history starts with `signed` at `signed_at`."""
    from safepassage.corridors.models import Corridor

    if not name or not name.strip():
        raise InvalidInput("name is required", field="name")
    if kind not in AgreementKind.values:
        raise InvalidInput(f"kind must be one of {', '.join(AgreementKind.values)}", field="kind")
    signed_at = parse_moment(signed_at, "signed_at")
    source = _require_source(source)
    roles = []
    for party, role in parties:
        if role not in PartyRole.values:
            raise InvalidInput(f"role must be one of {', '.join(PartyRole.values)}", field="parties")
        if (party.pk, role) in {(p.pk, r) for p, r in roles}:
            raise InvalidInput(f"{party} is listed twice as {role}", field="parties")
        roles.append((party, role))
    areas = list(Place.objects.filter(pk__in=set(area_ids)))
    if len(areas) != len(set(area_ids)):
        raise InvalidInput("unknown place among the areas covered", field="area_ids")
    corridors = list(Corridor.objects.filter(pk__in=set(corridor_ids)))
    if len(corridors) != len(set(corridor_ids)):
        raise InvalidInput("unknown corridor among the corridors covered", field="corridor_ids")
    user = getattr(by, "user", by)
    agreement = Agreement.objects.create(community=community, name=name.strip(), kind=kind, signed_at=signed_at,
                                         terms=terms, notes=notes, recorded_by=user)
    AgreementParty.objects.bulk_create([AgreementParty(agreement=agreement, party=p, role=r) for p, r in roles])
    agreement.areas.set(areas)
    agreement.corridors.set(corridors)
    AgreementStatusChange.objects.create(agreement=agreement, status=AgreementStatus.SIGNED, valid_from=signed_at,
                                         source=source, recorded_by=user, recorded_at=now())
    record(actor=by, action="agreement.created", obj=agreement,
           after={**snapshot(agreement, AGREEMENT_FIELDS), "source": source,
                  "parties": [[p.pk, r] for p, r in roles], "areas": sorted(a.pk for a in areas),
                  "corridors": sorted(c.pk for c in corridors)})
    return agreement


@transaction.atomic
def set_agreement_status(*, agreement_id: int, status: str, valid_from: datetime | date | str, source: str,
                         note: str = "", expected_version: int | None = None, by) -> AgreementStatusChange:
    """Record the status an agreement has from a moment on, with its source; late reports may fill in the past."""
    if status not in AgreementStatus.values:
        raise InvalidInput(f"status must be one of {', '.join(AgreementStatus.values)}", field="status")
    valid_from = parse_moment(valid_from, "from")
    source = _require_source(source)
    agreement = Agreement.objects.select_for_update(no_key=True).get(pk=agreement_id)
    if expected_version is not None:
        agreement.check_version(expected_version)
    if valid_from < agreement.signed_at:
        raise InvalidInput(f"the change cannot predate the signature ({agreement.signed_at.isoformat()})",
                           field="from")
    history = agreement.status_history
    if history.filter(valid_from=valid_from).exists():
        raise StateConflict("a status is already recorded from this exact moment", field="from")
    previous = history.filter(valid_from__lt=valid_from).order_by("-valid_from", "-id").first()
    if previous is not None and previous.status == status:
        raise StateConflict(f"the agreement is already {status} at that moment (since "
                            f"{previous.valid_from.isoformat()})", field="status")
    following = history.filter(valid_from__gt=valid_from).order_by("valid_from", "id").first()
    change = AgreementStatusChange.objects.create(agreement=agreement, status=status, valid_from=valid_from,
                                                  valid_until=following.valid_from if following else None,
                                                  source=source, note=note, recorded_by=getattr(by, "user", by),
                                                  recorded_at=now())
    if previous is not None:  # the previous status now holds until this change
        history.filter(pk=previous.pk).update(valid_until=valid_from)
    agreement.version += 1
    agreement.save(update_fields=["version", "updated_at"])
    record(actor=by, action="agreement.status_changed", obj=agreement,
           after={"status": status, "from": valid_from, "source": source, "note": note,
                  "version": agreement.version})
    return change


@transaction.atomic
def record_claimed_tally(*, party, claimed: int, as_of: datetime | date | str, source: str, quote: str = "",
                         metric: str = TallyMetric.SIGNED_TOTAL, by) -> ClaimedTally:
    """Record a party's own tally as a claim with its source; it is shown beside the registry's, never merged."""
    if metric not in TallyMetric.values:
        raise InvalidInput(f"metric must be one of {', '.join(TallyMetric.values)}", field="metric")
    if claimed < 0:
        raise InvalidInput("a claimed figure cannot be negative", field="claimed")
    as_of = parse_moment(as_of, "as_of")
    source = _require_source(source)
    claim = ClaimedTally.objects.create(party=party, metric=metric, claimed=claimed, as_of=as_of, source=source,
                                        quote=quote, recorded_by=getattr(by, "user", by), recorded_at=now())
    record(actor=by, action="claimed_tally.recorded", obj=claim,
           after={"party": party.pk, "metric": metric, "claimed": claimed, "as_of": as_of, "source": source})
    return claim

