"""Writers for crossing counts: idempotent submission, corrections as new versions, review."""

from __future__ import annotations

import bisect
import secrets
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from safepassage.audit.services import lock_chain, record, record_many
from safepassage.core.api import MAX_ID
from safepassage.core.db import sqlite_write_turn
from safepassage.core.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StateConflict,
    VersionConflict,
)
from safepassage.core.models import get_or_refuse, snapshot
from safepassage.core.permissions import Perm
from safepassage.core.retention import retention_days
from safepassage.core.timeutil import event_time, now, require_aware
from safepassage.corridors import selectors as corridor_selectors
from safepassage.corridors.models import Checkpoint, Corridor, CorridorStatus, CorridorStatusChange
from safepassage.corridors.selectors import within_hours
from safepassage.crossings.crypto import decrypt, encrypt
from safepassage.crossings.models import (
    CIVILIAN_FIELDS,
    COUNT_FIELDS,
    FIELD_GROUP,
    PEOPLE_FIELDS,
    AgeBand,
    CountDirection,
    CrossingCount,
    MedevacCase,
    MedevacEvent,
    MedevacStatus,
    ReviewStatus,
    Sex,
    Source,
    Triage,
)
from safepassage.crossings.selectors import COUNTED, history
from safepassage.places.models import Place

BUCKET_MINUTES = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
MAX_COUNT = 1_000_000  # one bucket at one checkpoint; a larger number is a typing error
FUTURE_TOLERANCE = timedelta(minutes=10)  # device clocks drift
# Compared on a retry: the same UUID must carry the same submission.
PAYLOAD_FIELDS = ("checkpoint_id", "direction", "bucket_start", "bucket_minutes", *COUNT_FIELDS,
                  "supersedes_uuid", "note")
AUDIT_FIELDS = ["client_uuid", "supersedes_uuid", "checkpoint", "corridor", "direction", "bucket_start",
                "bucket_minutes", *COUNT_FIELDS, "total_persons", "flags", "review_status", "source", "note"]


@dataclass(frozen=True)
class Submitted:
    count: CrossingCount
    duplicate: bool


def parse_uuid(value: Any, field: str) -> uuidlib.UUID:
    """Accept a UUID, its text, or the OpenRosa form `uuid:<hex>`."""
    if isinstance(value, uuidlib.UUID):
        return value
    text = str(value or "").strip()
    if text.lower().startswith("uuid:"):
        text = text[5:]
    try:
        return uuidlib.UUID(text)
    except ValueError as exc:
        raise InvalidInput("must be a UUID generated on the device (for example uuid4)", field=field) from exc


def _counts(counts: dict[str, Any]) -> dict[str, int]:
    unknown = sorted(set(counts) - set(COUNT_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown group(s) {', '.join(unknown)}; allowed: {', '.join(COUNT_FIELDS)}",
                           field=unknown[0])
    out: dict[str, int] = {}
    for name in COUNT_FIELDS:
        raw = counts.get(name, 0)
        if raw is None or raw == "":
            raw = 0
        if isinstance(raw, bool):
            raise InvalidInput("must be a whole number of 0 or more", field=name)
        try:
            value = int(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput("must be a whole number of 0 or more", field=name) from exc
        if isinstance(raw, float) and raw != value:
            raise InvalidInput("must be a whole number of 0 or more", field=name)
        if value < 0:
            raise InvalidInput("must be 0 or more; send a correction instead of a negative count", field=name)
        if value > MAX_COUNT:
            raise InvalidInput(f"must be at most {MAX_COUNT} in one bucket", field=name)
        out[name] = value
    civilians = sum(out[f] for f in CIVILIAN_FIELDS)
    if out["persons_with_disabilities"] > civilians:
        raise InvalidInput(f"persons with disabilities are counted among the civilians ({civilians}) and cannot "
                           "exceed them", field="persons_with_disabilities")
    if out["weapons_handed_over"] and not out["leaving_armed_groups_armed"]:
        raise InvalidInput("weapons handed over need at least one person leaving armed groups with weapons in "
                           "the same bucket", field="weapons_handed_over")
    return out




def _flags(corridor: Corridor, history: list[tuple[datetime, str]], *, direction: str, start: datetime,
           minutes: int, counts: dict[str, int]) -> list[dict[str, str]]:
    """Why a count needs review: it is kept, never dropped, but a person looks at it."""
    end = start + timedelta(minutes=minutes)
    flags: list[dict[str, str]] = []
    last = next((status for at, status in reversed(history) if at <= start), None)
    closing = next((status for at, status in history if start < at < end and status != CorridorStatus.OPEN), None)
    if last != CorridorStatus.OPEN:
        flags.append({"code": "corridor_not_open",
                      "reason": f"the corridor was {last or 'not yet created'} at the start of the bucket"})
    elif closing is not None:
        flags.append({"code": "corridor_not_open", "reason": f"the corridor became {closing} during the bucket"})
    last_minute = end - timedelta(minutes=1)
    if not (within_hours(corridor, start) and within_hours(corridor, last_minute)):
        flags.append({"code": "outside_hours",
                      "reason": f"the bucket falls outside the corridor's hours {corridor.opens_at:%H:%M}-"
                                f"{corridor.closes_at:%H:%M} ({corridor.timezone})"})
    if corridor.direction not in ("both", direction):
        flags.append({"code": "direction_not_allowed",
                      "reason": f"the corridor runs '{corridor.direction}' only; this count is '{direction}'"})
    eligible = set(corridor.eligible_groups or [])
    outside = sorted({FIELD_GROUP[f] for f in (*PEOPLE_FIELDS, "weapons_handed_over")
                      if counts[f] and FIELD_GROUP[f] not in eligible})
    if outside:
        flags.append({"code": "group_not_eligible",
                      "reason": f"group(s) not eligible on this corridor: {', '.join(outside)}"})
    return flags


HIGH_RATE_FACTOR = 3  # a count this many times the checkpoint's busiest recorded hour asks for a second look
HIGH_RATE_HISTORY = 5  # ... once the checkpoint has at least this many counts
HIGH_BUCKET_WITHOUT_HISTORY = 5000  # persons in one bucket, before the checkpoint has a history


@dataclass
class _Neighbours:
    """The counts a checkpoint already holds around a batch's periods, by (checkpoint, direction), sorted by start."""

    spans: dict[tuple[int, str], list[tuple[datetime, datetime, uuidlib.UUID, uuidlib.UUID | None]]]
    peaks: dict[int, tuple[int, int]]  # checkpoint -> (counts recorded, busiest hourly rate)
    longest: dict[tuple[int, str], timedelta] = field(default_factory=dict)  # longest span, for the search

    def overlapping(self, count: CrossingCount) -> uuidlib.UUID | None:
        """Another current count covering part of this one's period (not one of its own chain)."""
        end = count.bucket_start + timedelta(minutes=count.bucket_minutes)
        key = (count.checkpoint_id, count.direction)
        spans = self.spans.get(key, [])
        first = bisect.bisect_left(spans, (count.bucket_start - self.longest.get(key, timedelta(0)),))
        for start, stop, key, corrects in spans[first:]:
            if start >= end:
                break
            if stop > count.bucket_start and count.supersedes_uuid != key and corrects != count.client_uuid:
                return key
        return None

    def add(self, count: CrossingCount) -> None:
        key, length = (count.checkpoint_id, count.direction), timedelta(minutes=count.bucket_minutes)
        bisect.insort(self.spans.setdefault(key, []),
                      (count.bucket_start, count.bucket_start + length, count.client_uuid, count.supersedes_uuid))
        self.longest[key] = max(self.longest.get(key, timedelta(0)), length)


RECENT_FOR_PEAK = 50  # what "the checkpoint has seen": its latest counts


def _neighbours(parsed: list[tuple[int, _Parsed]]) -> _Neighbours:
    """Read, before taking the write turn, what the flags for overlaps and unusual counts compare with."""
    ids = {p.data["checkpoint_id"] for _, p in parsed if 0 < p.data["checkpoint_id"] <= MAX_ID}
    if not ids:
        return _Neighbours({}, {})
    start = min(p.data["bucket_start"] for _, p in parsed)
    end = max(p.data["bucket_start"] + timedelta(minutes=p.data["bucket_minutes"]) for _, p in parsed)
    # Counts overlapping [start, end): the lower bound on bucket_start keeps the index scan to a day.
    # A count's own chain is at most two of them (what it corrects, what corrected it first), so three
    # counts per period decide the flag: a busy checkpoint's hundreds stay in the database.
    same_period = Window(RowNumber(), partition_by=[F("checkpoint_id"), F("direction"), F("bucket_start"),
                                                    F("bucket_end")], order_by=F("id").asc())
    rows = (CrossingCount.objects.filter(COUNTED, checkpoint_id__in=ids, bucket_end__gt=start, bucket_start__lt=end,
                                         bucket_start__gt=start - timedelta(minutes=max(BUCKET_MINUTES)))
            .order_by().annotate(nth=same_period).filter(nth__lte=3)
            .values_list("checkpoint_id", "direction", "bucket_start", "bucket_end", "client_uuid", "supersedes_uuid"))
    spans: dict = {}
    for checkpoint, direction, begins, ends, key, corrects in rows:
        spans.setdefault((checkpoint, direction), []).append((begins, ends, key, corrects))
    longest = {}
    for key, listed in spans.items():
        listed.sort()
        longest[key] = max(e - s for s, e, _, _ in listed)
    peaks = {}
    for checkpoint in sorted(ids)[:20]:  # one device's batch names one checkpoint; more is unusual
        recent = (CrossingCount.objects.filter(COUNTED, checkpoint_id=checkpoint).order_by("-bucket_start")
                  .values_list("total_persons", "bucket_minutes")[:RECENT_FOR_PEAK])
        rates = [total * 60 // minutes for total, minutes in recent]
        peaks[checkpoint] = (len(rates), max(rates, default=0))
    return _Neighbours(spans, peaks, longest)


def _context_flags(count: CrossingCount, neighbours: _Neighbours) -> list[dict]:
    """Flags that need what else the checkpoint recorded: an overlapping count, an unusually high one."""
    flags = []
    clash = neighbours.overlapping(count)
    if clash is not None:
        flags.append({"code": "overlapping",
                      "reason": f"another count ({clash}) already covers part of this checkpoint, direction and "
                                "period; correct that count instead of adding a second one"})
    rate = count.total_persons * 60 // count.bucket_minutes
    records, busiest = neighbours.peaks.get(count.checkpoint_id, (0, 0))
    if records >= HIGH_RATE_HISTORY and rate > HIGH_RATE_FACTOR * max(busiest, 1) and count.total_persons > 50:
        flags.append({"code": "unusually_high",
                      "reason": f"{rate} persons an hour is more than {HIGH_RATE_FACTOR} times the busiest hour "
                                f"among the checkpoint's latest counts ({busiest})"})
    elif records < HIGH_RATE_HISTORY and count.total_persons > HIGH_BUCKET_WITHOUT_HISTORY:
        flags.append({"code": "unusually_high",
                      "reason": f"{count.total_persons} persons in one bucket, before this checkpoint has a history"})
    return flags


def _normalise(*, checkpoint_id: int, direction: str, bucket_start: datetime, bucket_minutes: int,
               counts: dict[str, Any], supersedes_uuid: Any, note: str, client_uuid: uuidlib.UUID) -> dict:
    try:
        checkpoint_id = int(checkpoint_id)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be the number of a checkpoint", field="checkpoint_id") from exc
    if direction not in CountDirection.values:
        raise InvalidInput(f"direction must be one of {', '.join(CountDirection.values)}", field="direction")
    if not isinstance(bucket_start, datetime):
        raise InvalidInput("must be a date and time with a timezone", field="bucket_start")
    start = require_aware(bucket_start, "bucket_start").replace(microsecond=0)
    if start > now() + FUTURE_TOLERANCE:
        raise InvalidInput("the bucket starts in the future; check the device's clock", field="bucket_start")
    try:
        minutes = int(bucket_minutes)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be a whole number of minutes", field="bucket_minutes") from exc
    if minutes not in BUCKET_MINUTES:
        raise InvalidInput(f"must be one of {', '.join(map(str, BUCKET_MINUTES))}", field="bucket_minutes")
    supersedes = parse_uuid(supersedes_uuid, "supersedes_uuid") if supersedes_uuid else None
    if supersedes == client_uuid:
        raise InvalidInput("a submission cannot correct itself", field="supersedes_uuid")
    if "\x00" in (note or ""):
        raise InvalidInput("text must not contain NUL characters", field="note")
    return {"checkpoint_id": checkpoint_id, "direction": direction, "bucket_start": start,
            "bucket_minutes": minutes, **_counts(counts), "supersedes_uuid": supersedes,
            "note": (note or "").strip()}


def _same_or_conflict(existing: CrossingCount, data: dict) -> CrossingCount:
    """Return the stored count when a retry carries the same submission; refuse a reused UUID."""
    for name in PAYLOAD_FIELDS:
        if getattr(existing, name) != data[name]:
            raise StateConflict(
                f"this client_uuid was already used for a different submission ({name} differs: stored "
                f"{getattr(existing, name)!s}, sent {data[name]!s}); to change a count, send a correction "
                "with a new client_uuid and supersedes_uuid set to this one", field=name)
    return existing


def _relink(count: CrossingCount) -> None:
    """Number the correction chain through `count` and mark only its last member current."""
    chain = history(count)
    first = 2 if chain[0].supersedes_uuid else 1  # the original has not arrived yet
    for i, member in enumerate(chain):
        version, current = first + i, i == len(chain) - 1
        if (member.version, member.is_current) != (version, current):
            CrossingCount.objects.filter(pk=member.pk).update(version=version, is_current=current)
            member.version, member.is_current = version, current


MAX_BATCH = 500


@dataclass(frozen=True)
class ItemResult:
    """One submission of a batch: stored, duplicate (already stored) or refused with the reason."""

    index: int
    client_uuid: str
    status: str
    count: CrossingCount | None = None
    error: DomainError | None = None


@dataclass(frozen=True)
class _Parsed:
    """A submission checked and normalised on its own (no database needed): its UUID and its fields."""

    key: uuidlib.UUID
    data: dict


def _parse(item: dict) -> _Parsed:
    key = parse_uuid(item.get("client_uuid"), "client_uuid")
    return _Parsed(key, _normalise(
        checkpoint_id=item.get("checkpoint_id"), direction=item.get("direction"),
        bucket_start=item.get("bucket_start"), bucket_minutes=item.get("bucket_minutes", 60),
        counts=item.get("counts") or {}, supersedes_uuid=item.get("supersedes_uuid"), note=item.get("note") or "",
        client_uuid=key))


def _histories(corridor_ids: set[int]) -> dict[int, list[tuple[datetime, str]]]:
    """Each corridor's status changes, oldest first."""
    out: dict[int, list[tuple[datetime, str]]] = {cid: [] for cid in corridor_ids}
    for change in CorridorStatusChange.objects.filter(corridor_id__in=corridor_ids).order_by("at", "pk"):
        out[change.corridor_id].append((change.at, change.status))
    return out


def _new_count(parsed: _Parsed, checkpoint: Checkpoint, history: list, *, source: str, user) -> CrossingCount:
    data = parsed.data
    counts = {f: data[f] for f in COUNT_FIELDS}
    flags = _flags(checkpoint.corridor, history, direction=data["direction"], start=data["bucket_start"],
                   minutes=data["bucket_minutes"], counts=counts)
    return CrossingCount(
        client_uuid=parsed.key, supersedes_uuid=data["supersedes_uuid"], checkpoint=checkpoint,
        corridor=checkpoint.corridor, direction=data["direction"], bucket_start=data["bucket_start"],
        bucket_minutes=data["bucket_minutes"],
        bucket_end=data["bucket_start"] + timedelta(minutes=data["bucket_minutes"]), **counts,
        total_persons=sum(data[f] for f in PEOPLE_FIELDS),
        flags=flags, review_status=ReviewStatus.PENDING if flags else ReviewStatus.NOT_NEEDED, note=data["note"],
        source=source, submitted_by=user, received_at=now())


def _user_of(by: Any):
    user = getattr(by, "user", by)
    return user if getattr(user, "pk", None) else None


def submit_crossing_counts(*, items: list[dict], source: str = Source.API, by) -> list[ItemResult]:
    """Store a batch of counts, each exactly once per client UUID, in one transaction.

    Each item is judged on its own: a refused item (bad input, an unknown checkpoint, its UUID reused
    for a different payload) does not stop the others, and a retry comes back as a duplicate. Every
    stored count gets its own audit entry.
    """
    if source not in Source.values:
        raise InvalidInput("unknown source", field="source")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"send at most {MAX_BATCH} submissions at once", field="items")
    results: list[ItemResult | None] = [None] * len(items)
    parsed: list[tuple[int, _Parsed]] = []
    for index, item in enumerate(items):
        try:
            parsed.append((index, _parse(item)))
        except DomainError as exc:
            results[index] = ItemResult(index, str(item.get("client_uuid") or ""), "refused",
                                        error=exc.with_traceback(None))  # no frame kept alive
    neighbours = _neighbours(parsed)  # for review flags only: read before the write turn
    with sqlite_write_turn(), transaction.atomic():
        # Writers of counts take turns on the audit chain's tip before reading: the twin look-ups
        # below then see every count committed before, so a retry is never stored twice.
        head = lock_chain()
        results_of = _store(parsed, neighbours, head, source=source, user=_user_of(by), by=by)
    for index, result in results_of.items():
        results[index] = result
    return results  # type: ignore[return-value]


def _store(parsed: list[tuple[int, _Parsed]], neighbours: _Neighbours, head, *, source: str, user,
           by) -> dict[int, ItemResult]:
    """Judge and store parsed items in the caller's transaction, holding the audit chain's lock."""
    ids = {p.data["checkpoint_id"] for _, p in parsed}
    checkpoints = Checkpoint.objects.select_related("corridor").order_by().in_bulk([i for i in ids if 0 < i <= MAX_ID])
    histories = _histories({cp.corridor_id for cp in checkpoints.values()})
    keys = {p.key for _, p in parsed} | {p.data["supersedes_uuid"] for _, p in parsed if p.data["supersedes_uuid"]}
    stored: dict[uuidlib.UUID, CrossingCount] = {}
    correcting: dict[uuidlib.UUID, CrossingCount] = {}  # corrected UUID -> the count correcting it
    for c in CrossingCount.objects.filter(Q(client_uuid__in=keys) | Q(supersedes_uuid__in=keys)).order_by():
        stored[c.client_uuid] = c
        if c.supersedes_uuid is not None:
            correcting[c.supersedes_uuid] = c
    out: dict[int, ItemResult] = {}
    new: list[CrossingCount] = []
    for index, p in parsed:
        try:
            existing = stored.get(p.key)
            if existing is not None:
                out[index] = ItemResult(index, str(p.key), "duplicate", count=_same_or_conflict(existing, p.data))
                continue
            checkpoint = checkpoints.get(p.data["checkpoint_id"])
            if checkpoint is None:
                raise InvalidInput("unknown checkpoint", field="checkpoint_id")
            corrects = p.data["supersedes_uuid"]
            if corrects is not None and corrects in correcting:
                raise StateConflict(f"submission {corrects} was already corrected by "
                                    f"{correcting[corrects].client_uuid}; correct the latest version instead",
                                    field="supersedes_uuid")
        except DomainError as exc:
            out[index] = ItemResult(index, str(p.key), "refused", error=exc.with_traceback(None))
            continue
        count = _new_count(p, checkpoint, histories[checkpoint.corridor_id], source=source, user=user)
        extra = _context_flags(count, neighbours)
        if extra:
            count.flags, count.review_status = [*count.flags, *extra], ReviewStatus.PENDING
        neighbours.add(count)
        stored[p.key] = count
        if corrects is not None:
            correcting[corrects] = count
        new.append(count)
        out[index] = ItemResult(index, str(p.key), "stored", count=count)
    CrossingCount.objects.bulk_create(new)
    record_many([{"actor": by, "action": "crossing_count.submitted", "obj": count,
                  "after": snapshot(count, AUDIT_FIELDS)} for count in new], head=head)
    for count in new:  # a correction, or an original whose correction arrived first
        if count.supersedes_uuid is not None or count.client_uuid in correcting:
            _relink(count)
    return out


def submit_crossing_count(*, client_uuid: Any, checkpoint_id: int, direction: str, bucket_start: datetime,
                          bucket_minutes: int, counts: dict[str, Any], supersedes_uuid: Any = None,
                          note: str = "", source: str = Source.API, by) -> Submitted:
    """Store a count exactly once per client UUID; flag it for review when it breaks a corridor rule.

    A retry with the same payload returns the stored row (`duplicate`); the same UUID with a
    different payload is refused, naming the first field that differs.
    """
    [result] = submit_crossing_counts(items=[{
        "client_uuid": client_uuid, "checkpoint_id": checkpoint_id, "direction": direction,
        "bucket_start": bucket_start, "bucket_minutes": bucket_minutes, "counts": counts,
        "supersedes_uuid": supersedes_uuid, "note": note}], source=source, by=by)
    if result.error is not None:
        raise result.error
    return Submitted(result.count, duplicate=result.status == "duplicate")


@transaction.atomic
def review_crossing_count(*, count_id: int, decision: str, note: str = "", by) -> CrossingCount:
    """Confirm or reject a flagged count; the count itself is never changed or deleted."""
    if decision not in (ReviewStatus.CONFIRMED, ReviewStatus.REJECTED):
        raise InvalidInput("decision must be confirmed or rejected", field="decision")
    count = CrossingCount.objects.select_for_update().filter(pk=count_id).first()
    if count is None:
        raise NotFound("no such crossing count")
    if count.review_status == ReviewStatus.NOT_NEEDED:
        raise StateConflict("this count was not flagged for review", field="decision")
    if decision == ReviewStatus.REJECTED and not (note or "").strip():
        raise InvalidInput("give the reason for rejecting the count", field="note")
    before = {"review_status": count.review_status, "review_note": count.review_note}
    user = getattr(by, "user", by)
    count.review_status = decision
    count.review_note = (note or "").strip()
    count.reviewed_by = user if getattr(user, "pk", None) else None
    count.reviewed_at = now()
    count.save(update_fields=["review_status", "review_note", "reviewed_by", "reviewed_at"])
    record(actor=by, action="crossing_count.reviewed", obj=count, before=before,
           after={"review_status": decision, "review_note": count.review_note})
    return count


# --- medical evacuations -------------------------------------------------------------------------

MEDEVAC_FIELDS = ["client_uuid", "case_number", "age_band", "sex", "triage", "origin", "corridor",
                  "receiving_facility", "status", "status_at", "has_identifying", "legal_basis", "version"]
MEDEVAC_NEXT = {
    MedevacStatus.WAITING: {MedevacStatus.MOVED},
    MedevacStatus.MOVED: {MedevacStatus.HANDED_OVER, MedevacStatus.DIED_EN_ROUTE},
    MedevacStatus.HANDED_OVER: set(),
    MedevacStatus.DIED_EN_ROUTE: set(),
}
LEGAL_BASES = ("vital_interest", "public_interest", "consent", "legitimate_interest")
RETENTION_ENV = "SAFEPASSAGE_MEDEVAC_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"must be one of {', '.join(choices.values)}", field=field)
    return value


def _medevac_audit(case: MedevacCase) -> dict:
    """What the audit log may hold: never the identifying details, only whether there are any."""
    return {**snapshot(case, MEDEVAC_FIELDS), "identifying": "encrypted" if case.has_identifying else "none"}


@dataclass(frozen=True)
class CaseSubmitted:
    case: MedevacCase
    duplicate: bool


@transaction.atomic
def create_medevac_case(*, client_uuid: Any, age_band: str, sex: str, triage: str, condition_summary: str = "",
                        origin_id: int | None = None, corridor_id: int | None = None,
                        receiving_facility_id: int | None = None, full_name: str = "",
                        identifying_details: str = "", legal_basis: str = "vital_interest",
                        at: datetime | None = None, by) -> CaseSubmitted:
    """Open a case (status waiting) under a pseudonymous case number; a retry of the same UUID is a duplicate.

    Names and identifying details are optional and stored encrypted; without a key they are refused.
    """
    key = parse_uuid(client_uuid, "client_uuid")
    data = {"age_band": _choice(age_band, AgeBand, "age_band"), "sex": _choice(sex, Sex, "sex"),
            "triage": _choice(triage, Triage, "triage"), "origin_id": origin_id, "corridor_id": corridor_id,
            "receiving_facility_id": receiving_facility_id}
    existing = MedevacCase.objects.filter(client_uuid=key).first()
    if existing is not None:
        for name, value in data.items():
            if getattr(existing, name) != value:
                raise StateConflict(f"this client_uuid was already used for case {existing.case_number} with a "
                                    f"different {name}", field=name)
        return CaseSubmitted(existing, duplicate=True)
    if legal_basis not in LEGAL_BASES:
        raise InvalidInput(f"must be one of {', '.join(LEGAL_BASES)}", field="legal_basis")
    for name, text in (("condition_summary", condition_summary), ("full_name", full_name),
                       ("identifying_details", identifying_details)):
        if "\x00" in (text or ""):
            raise InvalidInput("text must not contain NUL characters", field=name)
    origin = get_or_refuse(Place, origin_id, "origin_id")
    facility = get_or_refuse(Place, receiving_facility_id, "receiving_facility_id")
    corridor = None
    if corridor_id is not None:
        corridor = Corridor.objects.filter(pk=corridor_id).first()
        if corridor is None:
            raise InvalidInput("unknown corridor", field="corridor_id")
    at = require_aware(at, "at") if at is not None else now()
    full_name, identifying_details = (full_name or "").strip(), (identifying_details or "").strip()
    user = getattr(by, "user", by)
    user = user if getattr(user, "pk", None) else None
    case = MedevacCase(client_uuid=key, age_band=age_band, sex=sex, triage=triage,
                       condition_summary=(condition_summary or "").strip(), origin=origin, corridor=corridor,
                       receiving_facility=facility, status=MedevacStatus.WAITING, status_at=at,
                       full_name_enc=encrypt(full_name), identifying_details_enc=encrypt(identifying_details),
                       has_identifying=bool(full_name or identifying_details), legal_basis=legal_basis,
                       created_by=user, created_at=now())
    for _ in range(5):
        case.case_number = f"MV-{secrets.token_hex(4).upper()}"
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            existing = MedevacCase.objects.filter(client_uuid=key).first()
            if existing is not None:  # a concurrent retry won
                return CaseSubmitted(existing, duplicate=True)
            case.pk = None
    else:  # pragma: no cover - 5 collisions in 4 billion
        raise StateConflict("could not allocate a case number; try again", field="case_number")
    MedevacEvent.objects.create(case=case, status=MedevacStatus.WAITING, at=at, recorded_by=user)
    record(actor=by, action="medevac.created", obj=case, after=_medevac_audit(case))
    return CaseSubmitted(case, duplicate=False)


# Leaving through the corridor and arriving at the facility are movements checked against the corridor.
MEDEVAC_MOVEMENTS = {MedevacStatus.MOVED, MedevacStatus.HANDED_OVER}


def _medevac_movement_problems(case: MedevacCase, status: str, at: datetime, *, override_reason: str | None,
                               by) -> list[str]:
    """Refuse a case's movement outside its corridor's status or hours unless a coordinator overrides it.

    Only a coordinator's override reaches a case without the medical role; it is refused when nothing needs one.
    """
    reason = (override_reason or "").strip()
    if override_reason is not None and not reason:
        raise InvalidInput("write the reason for recording this movement outside the agreement",
                           field="override_reason")
    problems = (corridor_selectors.movement_problems(case.corridor, at)
                if case.corridor is not None and status in MEDEVAC_MOVEMENTS else [])
    can = getattr(by, "can", None)  # internal callers (the demo) pass a user: their edge checked nothing to skip
    if not problems:
        if can is not None and not can(Perm.MEDEVAC_EDIT):
            raise PermissionDenied("the medical role records a case's movements; a coordinator records one only "
                                   "when it falls outside the agreement", field="status")
        return []
    if not reason:
        raise StateConflict(f"{status} at {corridor_selectors.fmt_time(at, case.corridor.timezone)} is outside "
                            "the agreement: " + "; ".join(p.reason for p in problems)
                            + ". A coordinator can record it with a written reason (override_reason).",
                            errors=problems)
    if can is None or not can(Perm.CONVOYS_OVERRIDE):
        raise PermissionDenied("only a coordinator may record a movement outside the agreement",
                               field="override_reason")
    return [p.reason for p in problems]


@transaction.atomic
def set_medevac_status(*, case_id: int, status: str, at: datetime | None = None, note: str = "",
                       expected_version: int | None = None, override_reason: str | None = None,
                       by) -> MedevacCase:
    """Move a case along waiting → moved → handed over / died en route, at the time it happened."""
    can = getattr(by, "can", None)
    if can is not None and not can(Perm.MEDEVAC_EDIT) and not (override_reason and can(Perm.CONVOYS_OVERRIDE)):
        raise PermissionDenied("the medical role records a case's changes; a coordinator only a movement outside "
                               "the agreement, with a written reason (override_reason)", field="status")
    _choice(status, MedevacStatus, "status")
    case = MedevacCase.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound("no such case")
    if expected_version is not None and expected_version != case.version:
        raise VersionConflict(f"this case was changed by someone else (you sent version {expected_version}, it "
                              f"is now at version {case.version}); reload it", field="version")
    if status not in MEDEVAC_NEXT[case.status]:
        allowed = ", ".join(sorted(MEDEVAC_NEXT[case.status])) or "nothing (the case is closed)"
        raise StateConflict(f"a case that is {case.status} can move to {allowed}", field="status")
    at = event_time(at, "at")
    if at < case.status_at:
        raise InvalidInput(f"the change cannot predate the current status ({case.status_at.isoformat()})",
                           field="at")
    if "\x00" in (note or ""):
        raise InvalidInput("text must not contain NUL characters", field="note")
    outside = _medevac_movement_problems(case, status, at, override_reason=override_reason, by=by)
    before = {"status": case.status, "status_at": case.status_at, "version": case.version}
    user = getattr(by, "user", by)
    case.status, case.status_at, case.version = status, at, case.version + 1
    case.save(update_fields=["status", "status_at", "version"])
    MedevacEvent.objects.create(case=case, status=status, at=at, note=(note or "").strip(),
                                recorded_by=user if getattr(user, "pk", None) else None, outside_agreement=outside,
                                override_reason=(override_reason or "").strip() if outside else "")
    after = {"status": status, "status_at": at, "version": case.version}
    if outside:
        after |= {"outside_agreement": outside, "override_reason": override_reason.strip()}
    record(actor=by, action="medevac.status_changed", obj=case, before=before, after=after)
    return case


@transaction.atomic
def purge_identifying(*, older_than_days: int | None = None, at: datetime | None = None, by) -> list[str]:
    """Erase names and identifying details of cases opened more than N days ago; counts stay.

    N defaults to the environment's SAFEPASSAGE_MEDEVAC_RETENTION_DAYS (30). Returns the purged case numbers.
    """
    days = retention_days(RETENTION_ENV, DEFAULT_RETENTION_DAYS) if older_than_days is None else older_than_days
    if days < 0:
        raise InvalidInput("must be 0 or more", field="older_than_days")
    at = require_aware(at, "at") if at is not None else now()
    cutoff = at - timedelta(days=days)
    qs = MedevacCase.objects.select_for_update().filter(has_identifying=True, created_at__lt=cutoff)
    purged = sorted(qs.values_list("case_number", flat=True))
    if not purged:
        return []
    MedevacCase.objects.filter(case_number__in=purged).update(
        full_name_enc="", identifying_details_enc="", has_identifying=False, identifying_purged_at=at)
    record(actor=by, action="medevac.identifying_purged", object_type="crossings.medevaccase",
           object_id=f"retention:{at.date().isoformat()}",
           after={"retention_days": days, "cutoff": cutoff, "case_numbers": purged})
    return purged


@transaction.atomic
def read_identifying(*, case_id: int, principal, purpose: str) -> dict:
    """Decrypt a case's name and identifying details for the medical role; the read is written to the audit log."""
    principal.require(Perm.MEDICAL_IDENTIFYING_VIEW)
    if not (purpose or "").strip():
        raise InvalidInput("state the purpose of this read; it is kept in the audit log", field="purpose")
    case = MedevacCase.objects.filter(pk=case_id).first()
    if case is None:
        raise NotFound("no such case")
    out = {"case_number": case.case_number, "full_name": decrypt(case.full_name_enc),
           "identifying_details": decrypt(case.identifying_details_enc),
           "identifying_purged_at": case.identifying_purged_at, "legal_basis": case.legal_basis}
    record(actor=principal, action="personal_data.read", obj=case,
           after={"data": "medevac_identifying", "fields": ["full_name", "identifying_details"],
                  "purpose": purpose.strip(), "case_number": case.case_number})
    return out
