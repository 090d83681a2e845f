"""Reads of service points, and the picture per corridor exit: arrivals against capacity, days of stock."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from safepassage.core.i18n import localized_name
from safepassage.core.timeutil import now
from safepassage.crossings import selectors as crossings
from safepassage.servicepoints.models import Kind, PeopleServed, ServicePoint, StockEntry, StockKind

NEAR_CAPACITY = 0.8
LOW_STOCK_DAYS = 3.0
CRITICAL_STOCK_DAYS = 1.0
LEVELS = ("ok", "warning", "critical")


def service_points(*, corridor_id: int | None = None, kind: str | None = None) -> QuerySet[ServicePoint]:
    qs = ServicePoint.objects.select_related("corridor", "place")
    if corridor_id:
        qs = qs.filter(corridor_id=corridor_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("corridor_id", "kind", "name", "id")


def ledger(*, service_point_id: int, item: str | None = None) -> QuerySet[StockEntry]:
    qs = StockEntry.objects.filter(service_point_id=service_point_id).select_related("recorded_by")
    if item:
        qs = qs.filter(item=item)
    return qs.order_by("-id")


def balances(point_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (StockEntry.objects.filter(service_point_id__in=point_ids).values("service_point_id", "item")
            .annotate(balance=Sum("delta")).order_by())
    for r in rows:
        out[r["service_point_id"]][r["item"]] = r["balance"]
    return out


def _issued(point_ids: list[int], since: datetime, until: datetime) -> dict[tuple[int, str], int]:
    rows = (StockEntry.objects.filter(service_point_id__in=point_ids, kind=StockKind.ISSUED, at__gte=since,
                                      at__lt=until)
            .values("service_point_id", "item").annotate(n=Sum("delta")).order_by())
    return {(r["service_point_id"], r["item"]): -r["n"] for r in rows}


def _served(point_ids: list[int], since: datetime, until: datetime) -> dict[int, int]:
    rows = (PeopleServed.objects.filter(service_point_id__in=point_ids, hour_start__gte=since, hour_start__lt=until)
            .values("service_point_id").annotate(n=Sum("people")).order_by())
    return {r["service_point_id"]: r["n"] for r in rows}


def _worse(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


def _load_warning(label: str, arrivals: int, capacity: int, span: str) -> tuple[str, str | None]:
    """The level of a load, and its warning in the reader's language (the kind's label and the span translated)."""
    if not capacity:
        return "ok", None
    ratio = arrivals / capacity
    words = {"span": _(span), "arrivals": arrivals, "label": _(label), "capacity": capacity,
             "percent": f"{ratio:.0%}"}
    if ratio >= 1:
        return "critical", _("arrivals in the last %(span)s (%(arrivals)s) exceed %(label)s capacity (%(capacity)s)") % words
    if ratio >= NEAR_CAPACITY:
        return "warning", _("arrivals in the last %(span)s (%(arrivals)s) are %(percent)s of %(label)s capacity "
                            "(%(capacity)s)") % words
    return "ok", None


def exits(*, at: datetime | None = None, corridor_id: int | None = None) -> list[dict]:
    """For each corridor exit with service points: arrivals from crossing counts against capacity, and stock.

    Arrivals are persons counted in the point's arrival direction on its corridor (current, non-rejected
    counts). The current rate of a stock item is the larger of what was issued in the last 24 hours and
    what the last 24 hours' arrivals would use (`units_per_person`); days left = balance / rate.
    """
    at = at or now()
    day_ago, hour_ago = at - timedelta(hours=24), at - timedelta(hours=1)
    points = list(service_points(corridor_id=corridor_id))
    if not points:
        return []
    ids = [p.pk for p in points]
    corridor_ids = sorted({p.corridor_id for p in points})
    arrivals = {(d, span): crossings.arrivals(corridor_ids=corridor_ids, direction=d, since=since, until=at)
                for d in ("out", "in") for span, since in (("24h", day_ago), ("1h", hour_ago))}
    stock = balances(ids)
    issued = _issued(ids, day_ago, at)
    served_day, served_hour = _served(ids, day_ago, at), _served(ids, hour_ago, at)
    groups: dict[tuple[int, str], list[ServicePoint]] = defaultdict(list)
    for p in points:
        groups[(p.corridor_id, p.arrival_direction)].append(p)

    out = []
    for (cid, direction), members in groups.items():
        a_day = arrivals[(direction, "24h")].get(cid, 0)
        a_hour = arrivals[(direction, "1h")].get(cid, 0)
        exit_level, exit_warnings, kinds = "ok", [], []
        load_warnings: dict[str, list[str]] = defaultdict(list)
        for kind in Kind:
            of_kind = [p for p in members if p.kind == kind]
            cap_day = sum(p.capacity_per_day for p in of_kind)
            cap_hour = sum(p.capacity_per_hour for p in of_kind)
            level = "ok"
            if not of_kind:
                if a_day:
                    exit_warnings.append(_("no %(kind)s at this exit for %(arrivals)s arrivals in 24 hours")
                                         % {"kind": _(kind.label), "arrivals": a_day})
                    level = "warning"
                kinds.append({"kind": kind.value, "points": 0, "capacity_per_day": 0, "capacity_per_hour": 0,
                              "load": None, "level": level})
                exit_level = _worse(exit_level, level)
                continue
            for arrived, cap, span in ((a_day, cap_day, "24 hours"), (a_hour, cap_hour, "hour")):
                lvl, msg = _load_warning(kind.label, arrived, cap, span)
                level = _worse(level, lvl)
                if msg:
                    exit_warnings.append(msg)
                    load_warnings[kind.value].append(msg)
            kinds.append({"kind": kind.value, "points": len(of_kind), "capacity_per_day": cap_day,
                          "capacity_per_hour": cap_hour, "load": round(a_day / cap_day, 3) if cap_day else None,
                          "level": level})
            exit_level = _worse(exit_level, level)
        point_rows = []
        for p in members:
            cap_kind = sum(q.capacity_per_day for q in members if q.kind == p.kind)
            share = a_day * p.capacity_per_day / cap_kind if cap_kind else 0.0
            load_level = next(k["level"] for k in kinds if k["kind"] == p.kind)
            level, warnings, items = load_level, [], []
            stock_level = "ok"
            for item in sorted(set(stock.get(p.pk, {})) | set(p.units_per_person)):
                balance = stock.get(p.pk, {}).get(item, 0)
                out_24h = issued.get((p.pk, item), 0)
                need_24h = share * float(p.units_per_person.get(item, 0))
                rate = max(out_24h, need_24h)
                days = round(balance / rate, 2) if rate > 0 else None
                item_level = "ok"
                if balance <= 0:
                    item_level = "critical"
                    warnings.append(_("%(item)s: out of stock") % {"item": _(item)})
                elif days is not None and days < CRITICAL_STOCK_DAYS:
                    item_level = "critical"
                    warnings.append(_("%(item)s: %(days)s days left at the current rate") % {"item": _(item), "days": days})
                elif days is not None and days < LOW_STOCK_DAYS:
                    item_level = "warning"
                    warnings.append(_("%(item)s: %(days)s days left at the current rate") % {"item": _(item), "days": days})
                level = _worse(level, item_level)
                stock_level = _worse(stock_level, item_level)
                items.append({"item": item, "balance": balance, "issued_24h": out_24h,
                              "need_24h": round(need_24h, 1), "rate_per_day": round(rate, 1), "days_left": days,
                              "level": item_level})
            exit_level = _worse(exit_level, level)
            exit_warnings.extend(f"{localized_name(p)}: {w}" for w in warnings)
            point_rows.append({
                "id": p.pk, "name": p.name, "name_ar": p.name_ar, "kind": p.kind, "lon": p.lon, "lat": p.lat,
                "place_id": p.place_id, "place": p.place.name, "capacity_per_hour": p.capacity_per_hour,
                "capacity_per_day": p.capacity_per_day, "served_last_hour": served_hour.get(p.pk, 0),
                "served_24h": served_day.get(p.pk, 0), "arrivals_share_24h": round(share, 1),
                "stock": items, "level": level, "warnings": warnings,
                "load_level": load_level, "load_warnings": list(load_warnings[p.kind]),
                "stock_level": stock_level, "out_of_stock": [i["item"] for i in items if i["balance"] <= 0],
            })
        out.append({"corridor_id": cid, "corridor": members[0].corridor.name, "corridor_ar": members[0].corridor.name_ar,
                    "direction": direction,
                    "arrivals_last_hour": a_hour, "arrivals_24h": a_day, "kinds": kinds,
                    "service_points": point_rows, "level": exit_level, "warnings": exit_warnings})
    return sorted(out, key=lambda e: (e["corridor"], e["direction"]))


def point_read(p: ServicePoint, stock: dict[str, int] | None = None) -> dict:
    """A service point with its stock balances (read here unless given)."""
    if stock is None:
        stock = balances([p.pk]).get(p.pk, {})
    return {
        "id": p.pk, "name": p.name, "name_ar": p.name_ar, "kind": p.kind, "place_id": p.place_id,
        "place": p.place.name, "place_ar": p.place.name_ar, "corridor_id": p.corridor_id, "corridor": p.corridor.name,
        "corridor_ar": p.corridor.name_ar,
        "arrival_direction": p.arrival_direction, "lon": p.lon, "lat": p.lat,
        "capacity_per_hour": p.capacity_per_hour, "capacity_per_day": p.capacity_per_day, "opens_at": p.opens_at,
        "closes_at": p.closes_at, "timezone": p.timezone, "units_per_person": p.units_per_person,
        "stock": stock, "notes": p.notes, "version": p.version,
    }


def stock_read(e: StockEntry) -> dict:
    return {"id": e.pk, "service_point_id": e.service_point_id, "item": e.item, "kind": e.kind, "delta": e.delta,
            "balance_after": e.balance_after, "reason": e.reason, "at": e.at,
            "recorded_by": e.recorded_by.username if e.recorded_by_id else None}


def served_read(s: PeopleServed) -> dict:
    return {"id": s.pk, "service_point_id": s.service_point_id, "hour_start": s.hour_start, "people": s.people,
            "version": s.version}


def fresh_point(pk: int) -> ServicePoint:
    """A service point with its place and corridor, read again after a change."""
    return service_points().get(pk=pk)


def served(*, service_point_id: int | None = None, since: datetime | None = None, until: datetime | None = None,
           as_of: datetime | None = None) -> QuerySet[PeopleServed]:
    """People served per clock hour, the latest hour first; `as_of`: the hours recorded by then."""
    qs = PeopleServed.objects.all()
    for name, value in (("service_point_id", service_point_id), ("hour_start__gte", since),
                        ("hour_start__lt", until), ("created_at__lte", as_of)):
        if value is not None:
            qs = qs.filter(**{name: value})
    return qs.order_by("-hour_start", "-id")
