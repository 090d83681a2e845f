"""The daily bulletin, built from the records: every figure names the records behind it and their digest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Exists, OuterRef, QuerySet, Sum, Value
from django.utils.translation import gettext as _

from safepassage.agreements.selectors import claims_beside, tally_records
from safepassage.audit.models import AuditEntry
from safepassage.convoys.models import ConvoyStatusChange, Discrepancy, ManifestLine
from safepassage.core.errors import InvalidInput, NotFound, PermissionDenied
from safepassage.core.permissions import Perm
from safepassage.core.principal import PUBLIC
from safepassage.core.timeutil import EARLIEST, LATEST, now
from safepassage.corridors.models import Corridor, CorridorStatusChange
from safepassage.corridors.selectors import status_changes, within_hours
from safepassage.crossings.models import COUNT_FIELDS, CrossingCount, MedevacEvent, MedevacStatus
from safepassage.crossings.selectors import counted_as_of
from safepassage.incidents.models import Claim, Incident, Verification, convoy_kind
from safepassage.incidents.selectors import began_between, visible_incidents
from safepassage.pauses.models import Pause, PauseStatus
from safepassage.servicepoints.models import ServicePoint, StockEntry
from safepassage.servicepoints.selectors import served as served_records

PUBLIC_AUDIENCE, INTERNAL_AUDIENCE = "public", "internal"
SECTIONS = ("corridors", "pauses", "crossings", "medevac", "convoys", "servicepoints", "incidents", "agreements")
GROUPS = (*COUNT_FIELDS, "total_persons")


def parse_day(value: str) -> date:
    """A calendar day written YYYY-MM-DD, within the supported years."""
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("a date is written YYYY-MM-DD (for example 2016-10-20)", field="day") from exc
    if len(value) != 10 or not EARLIEST.year < day.year < LATEST.year - 1:
        raise InvalidInput(f"date is out of the supported range (years {EARLIEST.year + 1} to {LATEST.year - 2})",
                           field="day")
    return day


def parse_zone(value: str | None) -> str:
    """A named IANA time zone (e.g. Asia/Damascus); the operation's when none is given."""
    from safepassage.core.timeutil import operation_zone_name

    if not value:
        return operation_zone_name()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("unknown time zone; use an IANA name such as Asia/Damascus", field="tz") from exc
    return value


def audience_for(principal, asked: str | None = None) -> str:
    """Staff read the internal version unless they ask for the public one; everyone else the public one."""
    if principal.can(Perm.INCIDENTS_VIEW_ALL) and asked != PUBLIC_AUDIENCE:
        return INTERNAL_AUDIENCE
    return PUBLIC_AUDIENCE


@dataclass(frozen=True)
class Ctx:
    day: date
    tz: str
    start: datetime
    end: datetime
    as_of: datetime
    audience: str

    @property
    def public(self) -> bool:
        return self.audience == PUBLIC_AUDIENCE

    @property
    def moment(self) -> datetime:
        """The day's closing moment, or as_of if the day is not over when the bulletin is built."""
        return min(self.end, self.as_of)


def context(day: date, tz: str, as_of: datetime, audience: str) -> Ctx:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
    return Ctx(day, tz, start, end, as_of.astimezone(UTC), audience)


@dataclass
class Figure:
    """One figure: its records (a lazy query), what it counts or sums, and what a reader may see of the records."""

    key: str
    section: str
    label: str
    records: QuerySet
    sum_of: str | None = None
    fields: tuple[str, ...] = ()  # the record fields listed beside id and version
    restricted: bool = False  # drawn from personal records: no link in the public version
    restricted_perm: Perm | None = None  # who may list these records in the internal version
    item: Callable[[object], dict] | None = None
    value: float | int | None = None
    link: tuple[str, dict] | None = None  # the owning app's list route and its filters; None: /api/bulletins/…/records

    def evaluate(self) -> int | float:
        if self.value is not None:  # computed with its siblings in one aggregate
            return self.value
        if self.sum_of:
            total = self.records.aggregate(s=Sum(self.sum_of))["s"] or 0
            return _number(total)
        return self.records.count()


def _number(v) -> int | float:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)


# --- record sets, pinned to the moment the bulletin is built -------------------------------------------------------

def _crossings(ctx: Ctx) -> QuerySet[CrossingCount]:
    """Counts whose hour falls in the day, received by as_of and not replaced (nor rejected) by then."""
    return counted_as_of(ctx.as_of, since=ctx.start, until=ctx.end)


def _window(ctx: Ctx, since: str = "since", until: str = "until") -> dict:
    """The day and the pin as list-route filters."""
    return {since: ctx.start.isoformat(), until: ctx.end.isoformat(), "as_of": ctx.as_of.isoformat()}


def _incidents(ctx: Ctx) -> QuerySet[Incident]:
    principal = PUBLIC if ctx.public else _STAFF
    return began_between(visible_incidents(principal), ctx.start, ctx.end).filter(recorded_at__lte=ctx.as_of)


def _incidents_link(ctx: Ctx, **filters) -> tuple[str, dict]:
    """/api/incidents with the day; the public version asks for the published ones, so staff get the same list."""
    public = {"verification": Verification.VERIFIED, "published": "true"} if ctx.public else {}
    return "/api/incidents", {**_window(ctx, "began_from", "began_to"), **public, **filters}


def _convoy_incidents(ctx: Ctx) -> QuerySet[Incident]:
    """Incidents linked to a convoy that began in the day (recorded on the way: the time is the event's)."""
    on_convoy = Incident.convoys.through.objects.filter(incident=OuterRef("pk"))
    return _incidents(ctx).filter(Exists(on_convoy)).prefetch_related("convoys")


class _Staff:
    """Stands for a staff reader in the internal version: sees every incident."""

    def can(self, perm: Perm) -> bool:
        return True


_STAFF = _Staff()


def _delivered(ctx: Ctx) -> QuerySet[ConvoyStatusChange]:
    return ConvoyStatusChange.objects.filter(status="delivered", at__gte=ctx.start, at__lt=ctx.end, at__lte=ctx.as_of)


# --- the sections ---------------------------------------------------------------------------------------------------

def _fmt_local(dt: datetime | None, tz: str) -> str | None:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if dt else None


def _hours_open(corridor: Corridor, changes: list[CorridorStatusChange], ctx: Ctx) -> float:
    """Hours of the day the corridor was open (its status) within its operating hours, minute by minute."""
    status, i, minutes = None, 0, 0
    before = [c for c in changes if c.at < ctx.start]
    status = before[-1].status if before else None
    inside = [c for c in changes if c.at >= ctx.start]
    t, step = ctx.start, timedelta(minutes=1)
    end = min(ctx.end, ctx.as_of)
    while t < end:
        while i < len(inside) and inside[i].at <= t:
            status = inside[i].status
            i += 1
        if status == "open" and within_hours(corridor, t):
            minutes += 1
        t += step
    return round(minutes / 60, 2)


def corridors_section(ctx: Ctx) -> Section:
    s = Section("corridors", _("Corridors"))
    changes = CorridorStatusChange.objects.filter(at__lt=ctx.end, at__lte=ctx.as_of).order_by("at", "id")
    by_corridor: dict[int, list[CorridorStatusChange]] = {}
    for c in changes:
        by_corridor.setdefault(c.corridor_id, []).append(c)
    day_changes = status_changes(since=ctx.start, until=ctx.end, as_of=ctx.as_of)
    s.figures.append(Figure("corridors.status_changes", s.key, _("Corridor status changes"),
                            day_changes.select_related("corridor"), fields=("corridor", "status", "reason", "at"),
                            item=lambda c: {"corridor": c.corridor.name, "status": c.status, "reason": c.reason,
                                            "at": c.at.isoformat()},
                            link=("/api/corridors/status-changes", _window(ctx))))
    for corridor in Corridor.objects.filter(created_at__lte=ctx.as_of).order_by("name", "id"):
        hist = by_corridor.get(corridor.id, [])
        s.details.append({
            "corridor": corridor.name, "corridor_id": corridor.id,
            "hours_open": _hours_open(corridor, hist, ctx),
            "operating_hours": f"{corridor.opens_at:%H:%M}–{corridor.closes_at:%H:%M}",
            "changes": [{"at": c.at.isoformat(), "local": _fmt_local(c.at, ctx.tz), "status": c.status,
                         "reason": c.reason} for c in hist if c.at >= ctx.start],
        })
    return s


def pauses_section(ctx: Ctx) -> Section:
    s = Section("pauses", _("Humanitarian pauses"))
    qs = (Pause.objects.filter(starts_at__lt=ctx.end, ends_at__gt=ctx.start, created_at__lte=ctx.as_of)
          .exclude(status=PauseStatus.PROPOSED if ctx.public else "-").order_by("starts_at", "id"))
    s.figures.append(Figure("pauses.in_day", s.key, _("Humanitarian pauses with a window in the day"), qs,
                            fields=("title", "starts_at", "ends_at", "status"),
                            item=lambda p: {"title": p.title, "starts_at": p.starts_at.isoformat(),
                                            "ends_at": p.ends_at.isoformat(), "status": p.status}))
    for p in qs.prefetch_related("responses__party", "status_history"):
        row = {"title": p.title, "starts_at": _fmt_local(p.starts_at, ctx.tz), "ends_at": _fmt_local(p.ends_at, ctx.tz),
               "status": p.status,
               "lifecycle": [{"status": h.status, "at": _fmt_local(h.at, ctx.tz), "reason": h.reason}
                             for h in sorted(p.status_history.all(), key=lambda h: (h.at, h.id)) if h.at <= ctx.as_of]}
        row["responses"] = [{"party": r.party.short_name, "state": r.state, "at": _fmt_local(r.at, ctx.tz)}
                            for r in p.responses.all() if r.at is None or r.at <= ctx.as_of]
        s.details.append(row)
    return s


def crossings_section(ctx: Ctx) -> Section:
    s = Section("crossings", _("Crossings"))
    base = _crossings(ctx)
    def item(c):
        return ({"checkpoint_id": c.checkpoint_id, "corridor_id": c.corridor_id, "direction": c.direction,
                           "bucket_start": c.bucket_start.isoformat(), "bucket_minutes": c.bucket_minutes,
                           **{g: getattr(c, g) for g in GROUPS}})
    fields = ("checkpoint_id", "corridor_id", "direction", "bucket_start", "bucket_minutes", *GROUPS)
    s.figures.append(Figure("crossings.total_persons", s.key, _("People who crossed, all corridors"), base,
                            sum_of="total_persons", fields=fields, item=item,
                            link=("/api/crossings/counts", {**_window(ctx), "sum_of": "total_persons"})))
    names = dict(Corridor.objects.values_list("id", "name"))
    sums = (base.values("corridor_id", "direction").annotate(**{f"sum_{g}": Sum(g) for g in GROUPS})
            .order_by("corridor_id", "direction"))
    for row in sums:
        corridor_id, direction = row["corridor_id"], row["direction"]
        qs = base.filter(corridor_id=corridor_id, direction=direction)
        for group in GROUPS:
            s.figures.append(Figure(
                f"crossings.{corridor_id}.{direction}.{group}", s.key,
                _("%(corridor)s, %(direction)s: %(group)s") % {"corridor": names.get(corridor_id, corridor_id),
                                                               "direction": _direction(direction),
                                                               "group": _group(group)},
                qs, sum_of=group, fields=fields, item=item, value=_number(row[f"sum_{group}"] or 0),
                link=("/api/crossings/counts", {**_window(ctx), "corridor_id": corridor_id, "direction": direction,
                                                "sum_of": group})))
    return s


def medevac_section(ctx: Ctx) -> Section:
    s = Section("medevac", _("Medical evacuations"))
    events = MedevacEvent.objects.filter(at__gte=ctx.start, at__lt=ctx.end, at__lte=ctx.as_of)
    for status in MedevacStatus.values:
        s.figures.append(Figure(f"medevac.{status}", s.key, _("Medical evacuation cases: %(status)s") % {
            "status": _medevac_status(status)}, events.filter(status=status), fields=("status", "at"),
            restricted=True, restricted_perm=Perm.MEDEVAC_CASES_VIEW,
            item=lambda e: {"status": e.status, "at": e.at.isoformat()}))
    return s


def convoys_section(ctx: Ctx) -> Section:
    s = Section("convoys", _("Convoys"))
    changes = ConvoyStatusChange.objects.filter(at__gte=ctx.start, at__lt=ctx.end, at__lte=ctx.as_of)
    def change_item(c):
        return ({"convoy_id": c.convoy_id, "status": c.status, "at": c.at.isoformat()})
    if not ctx.public:
        from safepassage.convoys.models import Convoy

        planned = Convoy.objects.filter(planned_departure__gte=ctx.start, planned_departure__lt=ctx.end,
                                        created_at__lte=ctx.as_of)
        s.figures.append(Figure("convoys.planned", s.key, _("Convoys planned to depart"), planned,
                                fields=("reference", "status"),
                                item=lambda c: {"reference": c.reference, "status": c.status}))
        s.figures.append(Figure("convoys.cleared", s.key, _("Convoys cleared to move"),
                                changes.filter(status="cleared"), fields=("convoy_id", "status", "at"),
                                item=change_item))
    delivered = _delivered(ctx)
    s.figures.append(Figure("convoys.delivered", s.key, _("Convoys delivered"), delivered,
                            fields=("convoy_id", "status", "at"), item=change_item))
    lines = ManifestLine.objects.filter(convoy__status_history__in=delivered).distinct()
    def line_item(m):
        return ({"convoy_id": m.convoy_id, "item": m.item, "category": m.category,
                                "quantity": float(m.quantity), "unit": m.unit, "weight_kg": float(m.weight_kg)})
    categories = sorted(set(lines.values_list("category", flat=True)))
    for cat in categories:
        s.figures.append(Figure(f"convoys.delivered_kg.{cat}", s.key,
                                _("Cargo delivered, %(category)s (kg)") % {"category": _category(cat)},
                                ManifestLine.objects.filter(pk__in=lines.filter(category=cat).values("pk")),
                                sum_of="weight_kg", fields=("convoy_id", "item", "category", "quantity", "unit",
                                                            "weight_kg"), item=line_item))
    if not ctx.public:
        s.figures.append(Figure("convoys.discrepancies", s.key, _("Discrepancies found at inspection"),
                                Discrepancy.objects.filter(inspection__at__gte=ctx.start, inspection__at__lt=ctx.end,
                                                           inspection__at__lte=ctx.as_of).select_related("inspection"),
                                fields=("convoy_id", "item", "expected", "found"),
                                item=lambda d: {"convoy_id": d.inspection.convoy_id, "item": d.item,
                                                "expected": d.expected, "found": d.found}))
        s.figures.append(Figure("convoys.incidents", s.key, _("Incidents recorded on convoys"),
                                _convoy_incidents(ctx), fields=("convoy_ids", "kind", "at"),
                                item=lambda i: {"convoy_ids": sorted(c.pk for c in i.convoys.all()),
                                                "kind": convoy_kind(i.categories), "at": i.began.isoformat()}))
    return s


def servicepoints_section(ctx: Ctx) -> Section:
    s = Section("servicepoints", _("Service points"))
    served = served_records(since=ctx.start, until=ctx.end, as_of=ctx.as_of)
    def item(p):
        return ({"service_point_id": p.service_point_id, "hour_start": p.hour_start.isoformat(),
                           "people": p.people})
    fields = ("service_point_id", "hour_start", "people")
    link = {**_window(ctx), "sum_of": "people"}
    s.figures.append(Figure("servicepoints.people_served", s.key, _("People served, all service points"), served,
                            sum_of="people", fields=fields, item=item, link=("/api/servicepoints/served", link)))
    for point in ServicePoint.objects.filter(created_at__lte=ctx.as_of).order_by("name", "id"):
        s.figures.append(Figure(f"servicepoints.{point.id}.people_served", s.key,
                                _("People served: %(point)s") % {"point": point.name},
                                served.filter(service_point=point), sum_of="people", fields=fields, item=item,
                                link=("/api/servicepoints/served", {**link, "service_point_id": point.id})))
    if not ctx.public:
        s.figures.append(Figure("servicepoints.stock_warnings", s.key, _("Stock items run out"),
                                StockEntry.objects.filter(at__gte=ctx.start, at__lt=ctx.end, at__lte=ctx.as_of,
                                                          balance_after=0),
                                fields=("service_point_id", "item", "at"),
                                item=lambda e: {"service_point_id": e.service_point_id, "item": e.item,
                                                "at": e.at.isoformat()}))
    return s


def incidents_section(ctx: Ctx) -> Section:
    s = Section("incidents", _("Incidents"))
    base = _incidents(ctx)
    def item(i):
        return ({"title": i.title, "categories": i.categories, "verification": i.verification,
                           "published": i.published})
    fields = ("title", "categories", "verification", "published")
    s.figures.append(Figure("incidents.total", s.key, _("Incidents that began in the day"), base, fields=fields,
                            item=item, link=_incidents_link(ctx)))
    rows = list(base.values_list("id", "categories", "verification"))
    categories = sorted({c for _i, cats, _v in rows for c in (cats or [])})
    for cat in categories:
        ids = [i for i, cats, _v in rows if cat in (cats or [])]
        s.figures.append(Figure(f"incidents.category.{cat}", s.key,
                                _("Incidents: %(category)s") % {"category": _incident_category(cat)},
                                Incident.objects.filter(pk__in=ids), fields=fields, item=item,
                                link=_incidents_link(ctx, category=cat)))
    for status in Verification.values:
        if ctx.public and status != Verification.VERIFIED:
            continue
        s.figures.append(Figure(f"incidents.verification.{status}", s.key,
                                _("Incidents, verification: %(status)s") % {"status": _verification(status)},
                                base.filter(verification=status), fields=fields, item=item,
                                link=_incidents_link(ctx, verification=status)))
    if not ctx.public:
        claims = Claim.objects.filter(recorded_at__gte=ctx.start, recorded_at__lt=ctx.end,
                                      recorded_at__lte=ctx.as_of).order_by("recorded_at", "id")
        s.figures.append(Figure("incidents.claims", s.key, _("Claims recorded (statements, not findings)"), claims,
                                fields=("summary", "source_name", "speaker", "verification"),
                                item=lambda c: {"summary": c.summary, "source_name": c.source_name,
                                                "speaker": c.speaker, "verification": c.verification}))
        for c in claims:
            s.details.append({"claim": c.summary, "source": c.source_name, "speaker": c.speaker,
                              "verification": c.verification})
    return s


def agreements_section(ctx: Ctx) -> Section:
    s = Section("agreements", _("Local agreements"))
    at = ctx.moment
    def item(a):
        return ({"place": a.community.place.name, "pcode": a.community.place.pcode, "agreement": a.name})
    for metric, label in (
        ("signed_last_24h", _("Communities that signed in the last 24 hours")),
        ("signed_total", _("Communities that signed, in total")),
        ("in_force", _("Communities with an agreement in force")),
    ):
        # one agreement per community counted: the first it signed, or one in force
        s.figures.append(Figure(f"agreements.{metric}", s.key, label,
                                tally_records(metric, at, ctx.as_of).select_related("community__place"),
                                fields=("place", "pcode", "agreement"), item=item,
                                link=("/api/agreements", {"tally": metric, "at": at.isoformat(),
                                                          "as_of": ctx.as_of.isoformat()})))
    for c in claims_beside(at):
        if c.claim.recorded_at <= ctx.as_of:
            s.details.append({"party": c.claim.party.short_name, "metric": c.claim.metric, "claimed": c.claim.claimed,
                              "recorded": c.recorded, "difference": c.difference, "source": c.claim.source,
                              "as_of": c.claim.as_of.isoformat()})
    return s


BUILDERS = {"corridors": corridors_section, "pauses": pauses_section, "crossings": crossings_section,
            "medevac": medevac_section, "convoys": convoys_section, "servicepoints": servicepoints_section,
            "incidents": incidents_section, "agreements": agreements_section}


def sections(ctx: Ctx, only: str | None = None) -> list[Section]:
    return [BUILDERS[k](ctx) for k in SECTIONS if only is None or k == only]


def figure(ctx: Ctx, key: str) -> Figure:
    """The figure of this key in the bulletin of ctx, or 404."""
    section = key.split(".", 1)[0]
    if section not in BUILDERS:
        raise NotFound("no such figure in this bulletin", field="key")
    for f in BUILDERS[section](ctx).figures:
        if f.key == key:
            return f
    raise NotFound("no such figure in this bulletin", field="key")


def record_set_sha256(qs: QuerySet) -> str:
    """SHA-256 of the sorted "id:version" lines of the records (version 1 for records without versions)."""
    has_version = any(f.name == "version" for f in qs.model._meta.fields)
    rows = qs.values_list("pk", "version") if has_version else qs.annotate(_v=Value(1)).values_list("pk", "_v")
    lines = sorted(f"{pk}:{v}" for pk, v in rows.order_by())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def illustrative(as_of: datetime) -> bool:
    """True when the demo's invented records are in the registry: its corridors and agreements say so."""
    from safepassage.agreements.demo import ILLUSTRATIVE
    from safepassage.agreements.models import Agreement

    return (Corridor.objects.filter(created_at__lte=as_of, notes__icontains="illustrative").exists()
            or Agreement.objects.filter(created_at__lte=as_of, notes=ILLUSTRATIVE).exists())


def audit_head_at(at: datetime) -> dict:
    e = AuditEntry.objects.filter(at__lte=at).order_by("-seq").values("seq", "hash").first()
    return {"seq": e["seq"], "hash": e["hash"]} if e else {"seq": 0, "hash": None}


def records_address(ctx: Ctx, f: Figure) -> str:
    """The owning app's list route with the figure's filters, else this app's records of the figure."""
    if f.link is not None:
        path, filters = f.link
        return f"{path}?{urlencode(filters)}"
    key = f.key
    params = {"tz": ctx.tz, "as_of": ctx.as_of.isoformat()}
    if ctx.public:
        params["audience"] = PUBLIC_AUDIENCE
    return f"/api/bulletins/{ctx.day.isoformat()}/records/{key}?{urlencode(params)}"


def build(*, day: date, tz: str, as_of: datetime | None, audience: str, principal=None) -> dict:
    """The bulletin of a local day, as the records stood at as_of (now by default), for one audience."""
    built_at = (as_of or now()).astimezone(UTC)
    ctx = context(day, tz, built_at, audience)
    previous = context(day - timedelta(days=1), tz, built_at, audience)
    prev_values = {f.key: f.evaluate() for sec in sections(previous) for f in sec.figures}
    out_sections, digests = [], {}
    for sec in sections(ctx):
        figs = []
        for f in sec.figures:
            value = f.evaluate()
            hidden = f.restricted and (ctx.public or principal is None or not principal.can(f.restricted_perm))
            prev = prev_values.get(f.key)
            # figures summing other fields of the same records (one query object) share one digest
            sql = id(f.records)
            if sql not in digests:
                digests[sql] = record_set_sha256(f.records)
            figs.append({
                "key": f.key, "label": f.label, "value": value,
                "records": None if hidden else records_address(ctx, f),
                "note": _("from restricted records") if f.restricted else None,
                "sum_of": f.sum_of, "records_sha256": digests[sql],
                "previous": prev, "difference": None if prev is None else _number(value - prev),
            })
        out_sections.append({"key": sec.key, "title": sec.title, "figures": figs, "details": sec.details})
    return {
        "date": day.isoformat(), "tz": tz, "audience": audience, "built_at": built_at.isoformat(),
        "window": {"start": ctx.start.isoformat(), "end": ctx.end.isoformat()},
        "audit_head": audit_head_at(built_at),
        "illustrative": illustrative(built_at),
        "hazards": None,  # no Hazard model on this branch
        "sections": out_sections,
    }


def records(*, day: date, tz: str, as_of: datetime, audience: str, key: str, principal, offset: int,
            limit: int) -> dict:
    """The records behind one figure: count, sum of the summed field, digest and the records (fields limited)."""
    ctx = context(day, tz, as_of, audience)
    f = figure(ctx, key)
    if f.restricted and (ctx.public or not principal.can(f.restricted_perm)):
        raise PermissionDenied("these records are restricted (personal data); the figure is published as a count")
    qs = f.records.order_by("pk")
    out = {"key": key, "as_of": ctx.as_of.isoformat(), "count": qs.count(), "sum_of": f.sum_of,
           "sum": _number(qs.aggregate(s=Sum(f.sum_of))["s"] or 0) if f.sum_of else None,
           "records_sha256": record_set_sha256(f.records)}
    items = []
    for r in qs[offset: offset + limit]:
        items.append({"id": r.pk, "version": getattr(r, "version", 1), **(f.item(r) if f.item else {})})
    out["items"] = items
    return out


# --- labels ---------------------------------------------------------------------------------------------------------

def _direction(v: str) -> str:
    return {"out": _("leaving"), "in": _("entering")}.get(v, v)


def _group(v: str) -> str:
    return {"women": _("women"), "men": _("men"), "children": _("children"), "older_people": _("older people"),
            "persons_with_disabilities": _("persons with disabilities"), "wounded": _("wounded"), "sick": _("sick"),
            "leaving_armed_groups_unarmed": _("persons leaving armed groups, unarmed"),
            "leaving_armed_groups_armed": _("persons leaving armed groups, armed"),
            "weapons_handed_over": _("weapons handed over"), "total_persons": _("all persons")}.get(v, v)


def _medevac_status(v: str) -> str:
    return _(str(MedevacStatus(v).label)) if v in MedevacStatus.values else v


def _category(v: str) -> str:
    from safepassage.convoys.models import Category

    return _(str(Category(v).label)) if v in Category.values else v


def _incident_category(v: str) -> str:
    from safepassage.incidents.models import Category

    return _(str(Category(v).label)) if v in Category.values else v


def _verification(v: str) -> str:
    return _(str(Verification(v).label))


def editions(day: date | None = None):
    from safepassage.reports.models import Edition

    qs = Edition.objects.all()
    return qs.filter(day=day) if day else qs


def edition_read(e) -> dict:
    return {"id": e.pk, "day": e.day.isoformat(), "tz": e.tz, "audience": e.audience,
            "built_at": e.built_at.isoformat(), "audit_seq": e.audit_seq, "audit_hash": e.audit_hash or None,
            "published_at": e.published_at.isoformat(),
            "files": {k: {"sha256": v["sha256"], "size": v["size"], "url": f"/api/editions/{e.pk}/files/{k}"}
                      for k, v in sorted(e.files.items())}}


def edition_file(edition_id: int, fmt: str):
    """The stored file of an edition and its media type, checked against its SHA-256 before it is served."""
    from django.core.files.storage import default_storage

    from safepassage.reports.models import Edition

    e = Edition.objects.filter(pk=edition_id).first()
    if e is None or fmt not in e.files:
        raise NotFound("no such edition or format", field="fmt" if e else "edition_id")
    meta = e.files[fmt]
    with default_storage.open(meta["name"], "rb") as fh:
        content = fh.read()
    if hashlib.sha256(content).hexdigest() != meta["sha256"]:
        raise InvalidInput("the archived file no longer matches its SHA-256; it is not served", field="fmt")
    kind = fmt.split(".", 1)[0]
    media = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
             "md": "text/markdown; charset=utf-8"}[kind]
    return content, media, f"bulletin-{e.day.isoformat()}-{fmt.replace('.', '-')}.{kind}"
