"""Reads of crossing counts; totals are aggregated in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.shortcuts import get_object_or_404

from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, operation_zone_name
from safepassage.corridors.models import Checkpoint, Corridor
from safepassage.crossings.models import (
    COUNT_FIELDS,
    CrossingCount,
    MedevacCase,
    MedevacStatus,
    ReviewStatus,
    Triage,
)

# Written `is_current = true`: for `is_current=True` Django writes the bare column, which SQLite cannot
# match to an index, so it walked the whole table (through the corridor index) for a day's figures,
# and their time grew with the table instead of with the day (crossing_current_bucket is for this).
CURRENT = Q(is_current=Value(True))
COUNTED = CURRENT & ~Q(review_status=ReviewStatus.REJECTED)


def counts(*, checkpoint_id: int | None = None, corridor_id: int | None = None, since: datetime | None = None,
           until: datetime | None = None, review_status: str | None = None, direction: str | None = None,
           current_only: bool = True) -> QuerySet[CrossingCount]:
    qs = CrossingCount.objects.select_related("checkpoint")
    if current_only:
        qs = qs.filter(CURRENT)
    if checkpoint_id:
        qs = qs.filter(checkpoint_id=checkpoint_id)
    if corridor_id:
        qs = qs.filter(corridor_id=corridor_id)
    if direction:
        qs = qs.filter(direction=direction)
    if since:
        qs = qs.filter(bucket_start__gte=since)
    if until:
        qs = qs.filter(bucket_start__lt=until)
    if review_status:
        qs = qs.filter(review_status=review_status)
    return qs.order_by("-bucket_start", "-id")


def counted_as_of(as_of: datetime, *, since: datetime | None = None, until: datetime | None = None,
                  checkpoint_id: int | None = None, corridor_id: int | None = None,
                  direction: str | None = None) -> QuerySet[CrossingCount]:
    """The counts that made the figures at `as_of`: received by then, not replaced by a correction received by
    then, not rejected; what the daily bulletin adds up, and what anyone may read."""
    newer = CrossingCount.objects.filter(supersedes_uuid=OuterRef("client_uuid"), received_at__lte=as_of)
    # is_current either way: lets the day's range use crossing_current_bucket (two index ranges) instead of a
    # scan of the whole table, 0.15 s -> 0.002 s a query at 200,000 counts on SQLite
    qs = (CrossingCount.objects.select_related("checkpoint").filter(is_current__in=(True, False),
                                                                    received_at__lte=as_of)
          .exclude(review_status=ReviewStatus.REJECTED).exclude(Exists(newer)))
    for name, value in (("bucket_start__gte", since), ("bucket_start__lt", until), ("checkpoint_id", checkpoint_id),
                        ("corridor_id", corridor_id), ("direction", direction)):
        if value is not None:
            qs = qs.filter(**{name: value})
    return qs.order_by("-bucket_start", "-id")


def published_count_read(c: CrossingCount) -> dict:
    """A count without its notes, flags, review or sender: the part of it the public may read."""
    return {"id": c.pk, "version": c.version, "checkpoint_id": c.checkpoint_id, "checkpoint": c.checkpoint.name,
            "corridor_id": c.corridor_id, "direction": c.direction, "bucket_start": c.bucket_start,
            "bucket_minutes": c.bucket_minutes, **{f: getattr(c, f) for f in COUNT_FIELDS},
            "total_persons": c.total_persons, "received_at": c.received_at}


def history(count: CrossingCount) -> list[CrossingCount]:
    """Every stored version of the chain through `count`, oldest first."""
    chain, seen, cur = [count], {count.client_uuid}, count
    while cur.supersedes_uuid and cur.supersedes_uuid not in seen:
        prev = CrossingCount.objects.filter(client_uuid=cur.supersedes_uuid).first()
        if prev is None:
            break
        chain.insert(0, prev)
        seen.add(prev.client_uuid)
        cur = prev
    cur = count
    while (nxt := CrossingCount.objects.filter(supersedes_uuid=cur.client_uuid).first()) is not None:
        if nxt.client_uuid in seen:
            break
        chain.append(nxt)
        seen.add(nxt.client_uuid)
        cur = nxt
    return chain


def day_window(day: date, tz: str) -> tuple[datetime, datetime]:
    """A local calendar day as a UTC half-open interval."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)


def totals(*, since: datetime, until: datetime, corridor_ids: list[int] | None = None,
           by: tuple[str, ...] = ("corridor_id", "direction")) -> list[dict]:
    """Current, non-rejected counts summed per group, in one SQL aggregate.

    Each row also carries `total_persons`, `records` and `pending_review` (persons in counts
    still waiting for review, included in the totals).
    """
    qs = CrossingCount.objects.filter(COUNTED, bucket_start__gte=since, bucket_start__lt=until)
    if corridor_ids is not None:
        qs = qs.filter(corridor_id__in=corridor_ids)
    fields = (*COUNT_FIELDS, "total_persons")
    sums = {f"sum_{f}": Sum(f, default=0) for f in fields}
    rows = (qs.values(*by).annotate(**sums, records=Count("id"),
                                    pending=Sum("total_persons", default=0,
                                                filter=Q(review_status=ReviewStatus.PENDING)))
            .order_by(*by))
    return [{**{k: r[k] for k in by}, **{f: r[f"sum_{f}"] for f in fields}, "records": r["records"],
             "pending_review": r["pending"]} for r in rows]


def arrivals(*, corridor_ids: list[int], direction: str, since: datetime, until: datetime) -> dict[int, int]:
    """Persons counted per corridor in one direction over a window."""
    rows = (CrossingCount.objects.filter(COUNTED, corridor_id__in=corridor_ids, direction=direction,
                                         bucket_start__gte=since, bucket_start__lt=until)
            .values("corridor_id").annotate(n=Sum("total_persons", default=0)).order_by())
    return {r["corridor_id"]: r["n"] for r in rows}


def pending_review_count() -> int:
    return CrossingCount.objects.filter(CURRENT, review_status=ReviewStatus.PENDING).count()


# --- medical evacuations -------------------------------------------------------------------------

def medevac_cases(*, status: str | None = None, corridor_id: int | None = None,
                  triage: str | None = None) -> QuerySet[MedevacCase]:
    """Cases without their identifying fields loaded: those are read only through `services.read_identifying`."""
    qs = MedevacCase.objects.defer("full_name_enc", "identifying_details_enc").select_related(
        "corridor", "origin", "receiving_facility")
    if status:
        qs = qs.filter(status=status)
    if corridor_id:
        qs = qs.filter(corridor_id=corridor_id)
    if triage:
        qs = qs.filter(triage=triage)
    return qs.order_by("-created_at", "-id")


def medevac_counts(*, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Anonymous counts by status and by triage category (cases opened in the window, or all)."""
    qs = MedevacCase.objects.all()
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    by_status = dict(qs.values("status").annotate(n=Count("id")).order_by().values_list("status", "n"))
    by_triage = dict(qs.values("triage").annotate(n=Count("id")).order_by().values_list("triage", "n"))
    return {"by_status": {s: by_status.get(s, 0) for s in MedevacStatus.values},
            "by_triage": {t: by_triage.get(t, 0) for t in Triage.values},
            "total": sum(by_status.values())}


def may_read_medical(principal) -> bool:
    """Condition summaries and timeline notes: the medical role only."""
    return principal.can(Perm.MEDICAL_IDENTIFYING_VIEW)


def count_read(c: CrossingCount, *, duplicate: bool = False) -> dict:
    """A count as the API answers it; `duplicate` when a retry found it already stored."""
    return {
        "id": c.pk, "client_uuid": c.client_uuid, "supersedes_uuid": c.supersedes_uuid, "version": c.version,
        "is_current": c.is_current, "checkpoint_id": c.checkpoint_id, "checkpoint": c.checkpoint.name,
        "corridor_id": c.corridor_id, "direction": c.direction, "bucket_start": c.bucket_start,
        "bucket_minutes": c.bucket_minutes, **{f: getattr(c, f) for f in COUNT_FIELDS},
        "total_persons": c.total_persons, "flags": c.flags, "review_status": c.review_status,
        "review_note": c.review_note, "note": c.note, "source": c.source,
        "submitted_by": c.submitted_by.username if c.submitted_by_id else None, "received_at": c.received_at,
        "duplicate": duplicate,
    }


def summary(day, tz: str) -> dict:
    """A local day's crossings per corridor, direction and group, summed in the database."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown timezone {tz!r}", field="tz") from exc
    day = day or now().astimezone(zone).date()
    if not 1970 <= day.year <= 2100:
        raise InvalidInput("give a day between 1970 and 2100", field="day")
    since, until = day_window(day, tz)
    rows = totals(since=since, until=until)
    corridors = {c[0]: c[1:] for c in Corridor.objects.filter(pk__in={r["corridor_id"] for r in rows})
                 .values_list("id", "name", "name_ar")}
    keys = (*COUNT_FIELDS, "total_persons", "records", "pending_review")
    overall = {k: sum(r[k] for r in rows) for k in keys}
    return {
        "day": day, "tz": tz, "since": since, "until": until,
        "rows": [{**r, "corridor": corridors.get(r["corridor_id"], ("", ""))[0],
                  "corridor_ar": corridors.get(r["corridor_id"], ("", ""))[1]} for r in rows],
        "overall": overall,
        "pending_review_records": pending_review_count(),
    }


def case_read(c: MedevacCase, *, medical: bool, duplicate: bool = False) -> dict:
    """Never the identifying fields; the condition and notes only for the medical role."""
    return {
        "id": c.pk, "case_number": c.case_number, "age_band": c.age_band, "sex": c.sex, "triage": c.triage,
        "condition_summary": c.condition_summary if medical else None, "origin_id": c.origin_id,
        "corridor_id": c.corridor_id, "receiving_facility_id": c.receiving_facility_id, "status": c.status,
        "status_at": c.status_at, "has_identifying": c.has_identifying,
        "identifying_purged_at": c.identifying_purged_at, "version": c.version,
        "timeline": [{"status": e.status, "at": e.at, "note": e.note if medical else None,
                      "outside_agreement": e.outside_agreement, "override_reason": e.override_reason}
                     for e in c.events.all()],
        "duplicate": duplicate,
    }


def case_or_404(case_id: int) -> MedevacCase:
    """A case with its timeline (404 when it does not exist)."""
    return get_object_or_404(medevac_cases().prefetch_related("events"), pk=case_id)


def dashboard(principal, *, day=None, tz: str | None = None) -> dict:
    """Everything the dashboard shows, each part only if the principal may see it; counts only, no persons."""
    from safepassage.servicepoints import selectors as servicepoints

    return {
        "generated_at": now(),
        "crossings": summary(day, tz or operation_zone_name()),
        "exits": servicepoints.exits() if principal.can(Perm.SERVICEPOINTS_VIEW) else None,
        "medevac": medevac_counts() if principal.can(Perm.MEDEVAC_VIEW) else None,
        "checkpoints": [{"id": c.pk, "name": c.name, "lon": c.lon, "lat": c.lat, "corridor_id": c.corridor_id}
                        for c in Checkpoint.objects.order_by("id")],
    }


def count_detail(count_id: int) -> dict:
    """One count with every version of its correction chain (404 when it does not exist)."""
    count = get_object_or_404(CrossingCount.objects.select_related("checkpoint", "submitted_by"), pk=count_id)
    return {**count_read(count), "history": [count_read(c) for c in history(count)]}
