"""Writers for crossing counts: idempotent submission, corrections as new versions, review."""

from __future__ import annotations

import functools
import os
import secrets
import uuid as uuidlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction

from safepassage.accounts.models import User
from safepassage.accounts.services import token_digest, token_holders
from safepassage.audit.models import AuditHead
from safepassage.audit.services import head_lookup, record, record_many
from safepassage.core.errors import DomainError, InvalidInput, NotFound, StateConflict, VersionConflict
from safepassage.core.fastsql import (
    CompiledLookup,
    EachRun,
    fetch_together,
    insert_new_rows,
    new_instance,
    run,
)
from safepassage.core.groupcommit import GroupCommit, holds_write_turn, serialised_writes
from safepassage.core.models import snapshot
from safepassage.core.principal import TokenClaim
from safepassage.core.timeutil import now, require_aware
from safepassage.corridors.models import Checkpoint, Corridor, CorridorStatus, CorridorStatusChange
from safepassage.corridors.selectors import within_hours
from safepassage.crossings.crypto import encrypt
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
from safepassage.crossings.selectors import COUNT_BY_SUPERSEDED, COUNT_BY_UUID, history
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


# The intake's lookups, compiled once (core.fastsql): at thousands of submissions a minute,
# building and compiling these queries cost several times what the database spends on them.
# The checkpoints and corridors a count refers to are read with the lock its foreign keys take at
# commit (FOR KEY SHARE), before the audit head: in the order of their editors, which lock a corridor
# or checkpoint, then the head (corridors.services). Taken after the head, at commit, it deadlocked
# with them.
_CHECKPOINTS_BY_ID = CompiledLookup(Checkpoint, "id", key_share=True)
_CORRIDORS_BY_CHECKPOINT = CompiledLookup(Corridor, "checkpoints__id", key_share=True)
_STATUS_CHANGES_BY_CHECKPOINT = CompiledLookup(CorridorStatusChange, "corridor__checkpoints__id")
# The counts table grows by thousands of rows a minute: what reads or updates it in the write turn is
# planned for it as it is then (`fastsql.cached_plans`).
# Stored twins of new submissions (retries) and stored corrections of them (arrived first), at once.
_COUNTS_BY_UUID_OR_CORRECTING = CompiledLookup(CrossingCount, "client_uuid", "supersedes_uuid", plan_each_run=True)


@dataclass
class _Reads:
    """What a batch needs from the database, read in one round trip before anything is written."""

    checkpoints: dict[int, Checkpoint]  # by id, each with its corridor loaded
    histories: dict[int, list[tuple[datetime, str]]]  # by corridor: its status changes, oldest first
    stored: list[CrossingCount]  # stored counts with one of the batch's UUIDs as client_uuid or supersedes_uuid
    head: AuditHead | None  # the audit chain's tip, locked until commit
    token_holders: dict[str, User]  # by token digest: the holders of the batch's unchecked tokens


def _read_for(parsed: list[_Parsed], tokens: list[str]) -> _Reads:
    ids = {p.data["checkpoint_id"] for p in parsed if 0 < p.data["checkpoint_id"] < 2**63}
    keys = {p.key for p in parsed}
    # In this order: the submitters' tokens, the rows the counts will refer to, then the audit head
    # (see above), then what is read under the head's lock (so a correction committed meanwhile by an
    # ungated writer is seen).
    holders, checkpoints, corridors, heads, changes, stored = fetch_together(
        (token_holders, tokens), (_CHECKPOINTS_BY_ID, ids), (_CORRIDORS_BY_CHECKPOINT, ids), head_lookup(),
        (_STATUS_CHANGES_BY_CHECKPOINT, ids), (_COUNTS_BY_UUID_OR_CORRECTING, keys))
    by_id = {c.pk: c for c in corridors}
    for cp in checkpoints:
        if cp.corridor_id not in by_id:  # moved to another corridor between two of the reads above
            by_id[cp.corridor_id] = Corridor.objects.get(pk=cp.corridor_id)
        cp.corridor = by_id[cp.corridor_id]
    histories: dict[int, list[tuple[datetime, str]]] = {cid: [] for cid in by_id}
    for change in sorted(changes, key=lambda c: (c.corridor_id, c.at, c.pk)):
        histories[change.corridor_id].append((change.at, change.status))
    return _Reads({cp.pk: cp for cp in checkpoints}, histories, stored, next(iter(heads), None),
                  holders)


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


def _same_or_conflict(existing: CrossingCount, data: dict) -> Submitted:
    for name in PAYLOAD_FIELDS:
        if getattr(existing, name) != data[name]:
            raise StateConflict(
                f"this client_uuid was already used for a different submission ({name} differs: stored "
                f"{getattr(existing, name)!s}, sent {data[name]!s}); to change a count, send a correction "
                "with a new client_uuid and supersedes_uuid set to this one", field=name)
    return Submitted(existing, duplicate=True)


def _relink(count: CrossingCount) -> None:
    """Number the correction chain through `count` and mark only its last member current.

    Runs after `record`, which holds the audit chain's lock until commit, so concurrent
    submissions of one chain are linked by whichever transaction commits second.
    """
    chain = history(count)
    first = 2 if chain[0].supersedes_uuid else 1  # the original has not arrived yet
    for i, member in enumerate(chain):
        version, current = first + i, i == len(chain) - 1
        if (member.version, member.is_current) != (version, current):
            run(_relink_sql(), [version, current, member.pk])
            member.version, member.is_current = version, current


@functools.cache
def _relink_sql() -> EachRun:
    """`CrossingCount.objects.filter(pk=…).update(version=…, is_current=…)`, planned on each run."""
    q, meta = connection.ops.quote_name, CrossingCount._meta
    version, current = q(meta.get_field("version").column), q(meta.get_field("is_current").column)
    return EachRun(f"UPDATE {q(meta.db_table)} SET {version} = %s, {current} = %s WHERE {q(meta.pk.column)} = %s")


MAX_BATCH = 500
ITEM_KEYS = ("client_uuid", "checkpoint_id", "direction", "bucket_start", "bucket_minutes", "counts",
             "supersedes_uuid", "note")


@dataclass(frozen=True)
class ItemResult:
    """One submission of a batch: stored, duplicate (already stored) or refused with the reason."""

    index: int
    client_uuid: str
    status: str
    count: CrossingCount | None = None
    error: DomainError | None = None


def _judged(index: int, result: Submitted) -> ItemResult:
    return ItemResult(index, str(result.count.client_uuid), "duplicate" if result.duplicate else "stored",
                      count=result.count)


@dataclass(frozen=True)
class _Parsed:
    """A submission checked and normalised on its own (no database needed): its UUID and its fields."""

    key: uuidlib.UUID
    data: dict


def _parse(item: dict | _Parsed) -> _Parsed:
    if isinstance(item, _Parsed):
        return item
    key = parse_uuid(item.get("client_uuid"), "client_uuid")
    return _Parsed(key, _normalise(
        checkpoint_id=item.get("checkpoint_id"), direction=item.get("direction"),
        bucket_start=item.get("bucket_start"), bucket_minutes=item.get("bucket_minutes", 60),
        counts=item.get("counts") or {}, supersedes_uuid=item.get("supersedes_uuid"), note=item.get("note") or "",
        client_uuid=key))


def _sent_uuid(item: dict | _Parsed) -> str:
    """The client_uuid as the submitter sent it, for the answer to a refused item."""
    return str(item.key if isinstance(item, _Parsed) else item.get("client_uuid") or "")


def _prepare(parsed: _Parsed, *, checkpoints: dict, histories: dict, source: str,
             user) -> tuple[CrossingCount, dict]:
    key, data = parsed.key, parsed.data
    checkpoint = checkpoints.get(data["checkpoint_id"])
    counts_only = {f: data[f] for f in COUNT_FIELDS}
    flags = [] if checkpoint is None else _flags(
        checkpoint.corridor, histories.get(checkpoint.corridor_id, []), direction=data["direction"],
        start=data["bucket_start"], minutes=data["bucket_minutes"], counts=counts_only)
    count = new_instance(
        CrossingCount, client_uuid=key, supersedes_uuid=data["supersedes_uuid"], checkpoint=checkpoint,
        corridor=checkpoint.corridor if checkpoint else None, direction=data["direction"],
        bucket_start=data["bucket_start"], bucket_minutes=data["bucket_minutes"], **counts_only,
        total_persons=sum(data[f] for f in PEOPLE_FIELDS), flags=flags,
        review_status=ReviewStatus.PENDING if flags else ReviewStatus.NOT_NEEDED, note=data["note"],
        source=source, submitted_by=user, received_at=now())
    return count, data


def _insert(count: CrossingCount, data: dict) -> Submitted:
    """Insert one count; a stored twin (a retry, perhaps concurrent) turns it into a duplicate or a conflict."""
    if insert_new_rows([count], key="client_uuid"):
        return Submitted(count, duplicate=False)
    return _clashed(count, data)


def _clashed(count: CrossingCount, data: dict) -> Submitted:
    """Why a count was not inserted: its UUID is stored already, or what it corrects is corrected already."""
    existing = COUNT_BY_UUID.fetch([count.client_uuid])
    if existing:
        return _same_or_conflict(existing[0], data)
    if data["supersedes_uuid"] is not None:
        other = COUNT_BY_SUPERSEDED.fetch([data["supersedes_uuid"]])
        if other:
            raise StateConflict(
                f"submission {data['supersedes_uuid']} was already corrected by {other[0].client_uuid}; "
                "correct the latest version instead", field="supersedes_uuid")
    raise IntegrityError(f"crossing count {count.client_uuid} clashed with a row that is no longer there")


def _insert_fresh(fresh: list[tuple[int, CrossingCount, dict]]) -> dict[int, ItemResult]:
    """Insert new counts in one statement that skips clashes; then judge each skipped count on its own.

    A clash (a concurrent twin, or two corrections of one count) leaves the transaction intact
    (`ON CONFLICT DO NOTHING`), so no savepoint is needed, and one skipped count does not stop the rest.
    """
    insert_new_rows([count for _, count, _ in fresh], key="client_uuid")
    out: dict[int, ItemResult] = {}
    for index, count, data in fresh:
        if count.pk is not None:
            out[index] = ItemResult(index, str(count.client_uuid), "stored", count=count)
            continue
        try:
            out[index] = _judged(index, _clashed(count, data))
        except DomainError as exc:
            out[index] = ItemResult(index, str(count.client_uuid), "refused", error=exc)
    return out


def submit_crossing_counts(*, items: list[dict], source: str = Source.API, by) -> list[ItemResult]:
    """Store a batch of counts, each exactly once per client UUID, in one transaction (see `_store_counts`)."""
    with serialised_writes(), transaction.atomic(savepoint=not holds_write_turn()):
        return _store_counts([(item, source, by) for item in items])


def _store_counts(entries: list[tuple[dict | _Parsed, str, Any]]) -> list[ItemResult]:
    """Store a batch of counts, each exactly once per client UUID, in the current transaction.

    Entries are `(item, source, by)`: each count keeps its own source and submitter (the concurrent
    requests of a group commit come from many devices). A submitter may be a `TokenClaim`: the
    tokens are checked with the batch's other reads, and an item whose token is refused is refused
    with that 401 or 403 before anything else about it is judged.

    Each item is judged on its own: a refused item (bad input, or its UUID reused for a different
    payload) does not stop the others. Every stored item gets its own audit entry. Retries are found
    with one query and new items inserted with one statement that skips clashes (each skipped item
    is then judged on its own, no savepoint needed); then all the audit entries are appended at once
    (`record_many`: one lock, one insert, one head update), so that concurrent batches queue on the
    audit chain only briefly.
    """
    sources = Source.values  # a list, built on each use
    if any(source not in sources for _, source, _ in entries):
        raise InvalidInput("unknown source", field="source")
    if len(entries) > MAX_BATCH:
        raise InvalidInput(f"send at most {MAX_BATCH} submissions at once", field="items")
    items = [item for item, _, _ in entries]
    # Every run reads the tokens again: a batch run once more after a failed commit must not keep a
    # holder read in the transaction that was rolled back (revoked or deleted meanwhile).
    claims = {id(by): by for _, _, by in entries if isinstance(by, TokenClaim)}
    results: dict[int, ItemResult] = {}
    parsed: list[tuple[int, _Parsed]] = []
    for index, item in enumerate(items):
        try:
            parsed.append((index, _parse(item)))
        except DomainError as exc:
            results[index] = ItemResult(index, _sent_uuid(item), "refused", error=exc)
    reads = _read_for([p for _, p in parsed], tokens=[claim.token for claim in claims.values()])
    for claim in claims.values():
        claim.settle_with(reads.token_holders.get(token_digest(claim.token)))
    actors = [_actor(by) for _, _, by in entries]
    for index, actor in enumerate(actors):
        if isinstance(actor, DomainError):  # the submitter's token was refused: nothing else is judged
            results[index] = ItemResult(index, _sent_uuid(items[index]), "refused", error=actor)
    accepted = [(index, p) for index, p in parsed if not isinstance(actors[index], DomainError)]
    prepared: list[tuple[int, CrossingCount, dict]] = [
        (index, *_prepare(p, checkpoints=reads.checkpoints, histories=reads.histories, source=entries[index][1],
                          user=_user_of(actors[index])))
        for index, p in accepted]
    # Retries (stored twins) and stored corrections of these counts (sent before them).
    keys = {count.client_uuid for _, count, _ in prepared}
    known: dict[uuidlib.UUID, CrossingCount] = {}
    corrected: set[uuidlib.UUID] = set()
    for stored_count in reads.stored:
        if stored_count.client_uuid in keys:
            known[stored_count.client_uuid] = stored_count
        if stored_count.supersedes_uuid in keys:
            corrected.add(stored_count.supersedes_uuid)
    fresh: dict[uuidlib.UUID, tuple[int, CrossingCount, dict]] = {}
    later: list[tuple[int, CrossingCount, dict]] = []  # repeated within the batch, or an unknown checkpoint
    for index, count, data in prepared:
        existing = known.get(count.client_uuid)
        if existing is not None:
            try:
                result = _same_or_conflict(existing, data)
            except DomainError as exc:
                results[index] = ItemResult(index, str(count.client_uuid), "refused", error=exc)
                continue
            results[index] = ItemResult(index, str(existing.client_uuid), "duplicate", count=existing)
        elif count.checkpoint_id is None or count.client_uuid in fresh:
            later.append((index, count, data))
        else:
            fresh[count.client_uuid] = (index, count, data)
    results.update(_insert_fresh(list(fresh.values())))
    inserted = {r.count.client_uuid: r.count for r in results.values() if r.status == "stored"}
    for index, count, data in later:
        try:
            existing = inserted.get(count.client_uuid) or next(iter(COUNT_BY_UUID.fetch([count.client_uuid])), None)
            if existing is not None:
                result = _same_or_conflict(existing, data)
            elif count.checkpoint_id is None:
                raise InvalidInput("unknown checkpoint", field="checkpoint_id")
            else:
                result = _insert(count, data)
        except DomainError as exc:
            results[index] = ItemResult(index, str(count.client_uuid), "refused", error=exc)
            continue
        results[index] = _judged(index, result)
    # A refused item answers with the client_uuid as sent.
    ordered = [results[i] if results[i].status != "refused" else
               replace(results[i], client_uuid=_sent_uuid(items[i])) for i in range(len(items))]
    stored = [r.count for r in ordered if r.status == "stored"]
    # With the commit where it can (one round trip less in the write turn); `_relink` below reads
    # counts only, not audit entries.
    record_many([{"actor": actors[r.index], "action": "crossing_count.submitted", "obj": r.count,
                  "after": snapshot(r.count, AUDIT_FIELDS)} for r in ordered if r.status == "stored"],
                head=reads.head, at_commit=True)
    # After `record_many`: the audit chain's lock is held until commit, so chains are linked consistently.
    # Only counts that correct another, or that a stored count already corrects, need relinking (a
    # correction in this batch relinks its whole chain, the count it corrects included).
    for count in stored:
        if count.supersedes_uuid is not None or count.client_uuid in corrected:
            _relink(count)
    return ordered


def _actor(by: Any) -> Any:
    """The submitter an entry names: a principal (or user), or the refusal of its unchecked token."""
    if isinstance(by, TokenClaim):
        try:
            return by.settle()  # settled with the batch's reads: no query here
        except DomainError as refusal:
            return refusal
    return by


def _user_of(by: Any):
    user = getattr(by, "user", by)
    return user if getattr(user, "pk", None) else None


def _submit_together(entries: list[tuple[dict, str, Any]]) -> list[ItemResult]:
    """Store the single submissions of concurrent requests in one transaction (group commit).

    Entries are `(item, source, by)`; each keeps its own audit entry naming its submitter.
    """
    # The write turn is the group commit's gate (`_single_intake`); on PostgreSQL the turn is a
    # transaction already, which a failure rolls back whole (the group commit then retries each item).
    with transaction.atomic(savepoint=not holds_write_turn()):
        return [replace(result, index=0) for result in _store_counts(entries)]


# One per server process: single submissions arriving together share a transaction.
_single_intake: GroupCommit[tuple[dict, str, Any], ItemResult] = GroupCommit(_submit_together,
                                                                            gate=serialised_writes)


def submit_crossing_count(*, client_uuid: Any, checkpoint_id: int, direction: str, bucket_start: datetime,
                          bucket_minutes: int, counts: dict[str, Any], supersedes_uuid: Any = None,
                          note: str = "", source: str = Source.API, by) -> Submitted:
    """Store a count exactly once per client UUID; flag it for review when it breaks a corridor rule.

    A retry with the same payload returns the stored row (`duplicate`); the same UUID with a
    different payload is refused, naming the first field that differs. Concurrent calls share
    one transaction (`_submit_together`); each returns only after that transaction committed.
    """
    if source not in Source.values:
        raise InvalidInput("unknown source", field="source")
    # Checked here, in the request's own thread: the shared transaction holds only what needs the database.
    item = _parse({"client_uuid": client_uuid, "checkpoint_id": checkpoint_id, "direction": direction,
                   "bucket_start": bucket_start, "bucket_minutes": bucket_minutes, "counts": counts,
                   "supersedes_uuid": supersedes_uuid, "note": note})
    result = _single_intake.submit((item, source, by))
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


def _place(place_id: int | None, field: str):
    if place_id is None:
        return None
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise InvalidInput("unknown place", field=field)
    return place


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
    origin = _place(origin_id, "origin_id")
    facility = _place(receiving_facility_id, "receiving_facility_id")
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


@transaction.atomic
def set_medevac_status(*, case_id: int, status: str, at: datetime | None = None, note: str = "",
                       expected_version: int | None = None, by) -> MedevacCase:
    """Move a case along waiting → moved → handed over / died en route."""
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
    at = require_aware(at, "at") if at is not None else now()
    if at < case.status_at:
        raise InvalidInput(f"the change cannot predate the current status ({case.status_at.isoformat()})",
                           field="at")
    if "\x00" in (note or ""):
        raise InvalidInput("text must not contain NUL characters", field="note")
    before = {"status": case.status, "status_at": case.status_at, "version": case.version}
    user = getattr(by, "user", by)
    case.status, case.status_at, case.version = status, at, case.version + 1
    case.save(update_fields=["status", "status_at", "version"])
    MedevacEvent.objects.create(case=case, status=status, at=at, note=(note or "").strip(),
                                recorded_by=user if getattr(user, "pk", None) else None)
    record(actor=by, action="medevac.status_changed", obj=case, before=before,
           after={"status": status, "status_at": at, "version": case.version})
    return case


def retention_days() -> int:
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError as exc:
        raise InvalidInput(f"{RETENTION_ENV} must be a whole number of days", field="older_than_days") from exc
    if days < 0:
        raise InvalidInput(f"{RETENTION_ENV} must be 0 or more", field="older_than_days")
    return days


@transaction.atomic
def purge_identifying(*, older_than_days: int | None = None, at: datetime | None = None, by) -> list[str]:
    """Erase names and identifying details of cases opened more than N days ago; counts stay.

    N defaults to the environment's SAFEPASSAGE_MEDEVAC_RETENTION_DAYS (30). Returns the purged case numbers.
    """
    days = retention_days() if older_than_days is None else older_than_days
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
