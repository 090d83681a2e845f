"""Exports other systems read: HXL-tagged CSV, GeoJSON, and a CAP 1.2 feed of corridor status with an Atom index."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models.functions import Coalesce
from lxml import etree

from safepassage.agreements.models import Agreement
from safepassage.core.errors import InvalidInput, NotFound
from safepassage.corridors.models import Checkpoint, Corridor, CorridorStatusChange
from safepassage.crossings.models import COUNT_FIELDS, CrossingCount, ReviewStatus
from safepassage.deconfliction.cap import NS, SENDER, cap_time, xml_text
from safepassage.incidents.selectors import coarsen, sees_all, visible_incidents
from safepassage.reports.selectors import parse_day
from safepassage.servicepoints.models import PeopleServed

MAX_DAYS = 366


def period(*, day: str | None, start: str | None, end: str | None, tz: str) -> tuple[datetime, datetime]:
    """`date`, or `from` and `to` (local days, both included), as a UTC half-open interval."""
    if day and (start or end):
        raise InvalidInput("give either date or from and to", field="date")
    if day:
        first = last = parse_day(day)
    elif start and end:
        first, last = parse_day(start), parse_day(end)
        if last < first:
            raise InvalidInput("to is before from", field="to")
        if (last - first).days >= MAX_DAYS:
            raise InvalidInput(f"a period is at most {MAX_DAYS} days", field="to")
    else:
        raise InvalidInput("give date=YYYY-MM-DD, or from and to", field="date")
    zone = ZoneInfo(tz)
    return (datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))


def _csv(header: list[str], tags: list[str], rows) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerow(tags)
    w.writerows(rows)
    return out.getvalue()


def _local_day(dt: datetime, tz: str) -> str:
    return dt.astimezone(ZoneInfo(tz)).date().isoformat()


def crossings_csv(since: datetime, until: datetime, tz: str) -> str:
    """People who crossed, per day, corridor, checkpoint and direction (current, non-rejected counts)."""
    qs = (CrossingCount.objects.filter(is_current=True, bucket_start__gte=since, bucket_start__lt=until)
          .exclude(review_status=ReviewStatus.REJECTED).select_related("checkpoint", "corridor"))
    totals: dict[tuple, dict[str, int]] = {}
    for c in qs:
        key = (_local_day(c.bucket_start, tz), c.corridor.name, c.checkpoint.name, c.checkpoint.lat, c.checkpoint.lon,
               c.direction)
        acc = totals.setdefault(key, dict.fromkeys((*COUNT_FIELDS, "total_persons"), 0))
        for f in acc:
            acc[f] += getattr(c, f)
    header = ["date", "corridor", "checkpoint", "lat", "lon", "direction", "total_persons", "women", "men",
              "children"]
    tags = ["#date", "#loc+corridor+name", "#loc+checkpoint+name", "#geo+lat", "#geo+lon", "#indicator+direction",
            "#affected+total", "#affected+f+adults", "#affected+m+adults", "#affected+children"]
    rows = [[*k, v["total_persons"], v["women"], v["men"], v["children"]] for k, v in sorted(totals.items())]
    return _csv(header, tags, rows)


def servicepoints_csv(since: datetime, until: datetime, tz: str) -> str:
    qs = (PeopleServed.objects.filter(hour_start__gte=since, hour_start__lt=until).select_related("service_point"))
    totals: dict[tuple, int] = {}
    for p in qs:
        sp = p.service_point
        key = (_local_day(p.hour_start, tz), sp.name, sp.kind, sp.lat, sp.lon)
        totals[key] = totals.get(key, 0) + p.people
    return _csv(["date", "service_point", "kind", "lat", "lon", "people_served"],
                ["#date", "#loc+service_point+name", "#sector+type", "#geo+lat", "#geo+lon", "#reached"],
                [[*k, n] for k, n in sorted(totals.items())])


def _incident_point(i, full: bool) -> tuple[float | None, float | None]:
    geom = i.geometry if full or not i.protected else coarsen(i.geometry, i.public_precision_m)
    if not geom:
        return None, None
    from shapely.geometry import shape

    c = shape(geom).centroid
    return round(c.y, 6), round(c.x, 6)


def _incidents(principal, since: datetime, until: datetime):
    return (visible_incidents(principal).annotate(when=Coalesce("time_earliest", "recorded_at"))
            .filter(when__gte=since, when__lt=until).order_by("when", "id"))


def incidents_csv(principal, since: datetime, until: datetime, tz: str) -> str:
    full = sees_all(principal)
    rows = []
    for i in _incidents(principal, since, until):
        lat, lon = _incident_point(i, full)
        rows.append([_local_day(i.when, tz), i.id, i.title, " ".join(i.categories), i.verification, lat, lon])
    return _csv(["date", "id", "title", "categories", "verification", "lat", "lon"],
                ["#date", "#event+id", "#event+name", "#event+type", "#status+verification", "#geo+lat",
                 "#geo+lon"], rows)


def agreements_csv(since: datetime, until: datetime, tz: str) -> str:
    qs = (Agreement.objects.filter(signed_at__gte=since, signed_at__lt=until)
          .select_related("community__place").order_by("signed_at", "id"))
    rows = [[_local_day(a.signed_at, tz), a.community.place.name, a.community.place.pcode, a.community.population,
             a.name, a.kind] for a in qs]
    return _csv(["date", "community", "pcode", "population", "agreement", "kind"],
                ["#date", "#loc+name", "#loc+code", "#population", "#meta+agreement+name", "#meta+agreement+type"],
                rows)


def geojson(principal, since: datetime, until: datetime) -> dict:
    """Corridors, checkpoints and the period's incidents (protected locations coarsened for the public)."""
    full = sees_all(principal)
    features = []
    for c in Corridor.objects.order_by("id"):
        features.append({"type": "Feature", "id": f"corridor-{c.id}", "geometry": c.geometry,
                         "properties": {"layer": "corridor", "name": c.name, "status": c.status,
                                        "direction": c.direction}})
    for cp in Checkpoint.objects.select_related("corridor").order_by("id"):
        features.append({"type": "Feature", "id": f"checkpoint-{cp.id}",
                         "geometry": {"type": "Point", "coordinates": [cp.lon, cp.lat]},
                         "properties": {"layer": "checkpoint", "name": cp.name, "corridor": cp.corridor.name}})
    for i in _incidents(principal, since, until):
        geom = i.geometry if full or not i.protected else coarsen(i.geometry, i.public_precision_m)
        if not geom:
            continue
        features.append({"type": "Feature", "id": f"incident-{i.id}", "geometry": geom,
                         "properties": {"layer": "incident", "title": i.title, "categories": i.categories,
                                        "verification": i.verification, "when": i.when.isoformat()}})
    return {"type": "FeatureCollection", "features": features}


# --- CAP 1.2 feed of corridor openings, suspensions and closures -----------------------------------------------------

_EVENT = {"open": "Humanitarian corridor opened", "suspended": "Humanitarian corridor suspended",
          "closed": "Humanitarian corridor closed"}


def cap_identifier(change: CorridorStatusChange) -> str:
    return f"safepassage.corridor.{change.corridor_id}.status.{change.id}"


def cap_message(change_id: int) -> bytes:
    """One corridor status change as a public CAP 1.2 alert."""
    change = CorridorStatusChange.objects.select_related("corridor").filter(pk=change_id).first()
    if change is None:
        raise NotFound("no such corridor status change", field="change_id")
    c = change.corridor
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})

    def sub(parent, tag, text):
        etree.SubElement(parent, f"{{{NS}}}{tag}").text = text

    sub(alert, "identifier", cap_identifier(change))
    sub(alert, "sender", SENDER)
    sub(alert, "sent", cap_time(change.at))
    sub(alert, "status", "Actual")
    sub(alert, "msgType", "Alert")
    sub(alert, "scope", "Public")
    info = etree.SubElement(alert, f"{{{NS}}}info")
    sub(info, "language", "en")
    sub(info, "category", "Safety")
    sub(info, "event", _EVENT.get(change.status, "Humanitarian corridor status"))
    sub(info, "urgency", "Immediate")
    sub(info, "severity", "Moderate" if change.status == "open" else "Severe")
    sub(info, "certainty", "Observed")
    sub(info, "effective", cap_time(change.at))
    sub(info, "headline", xml_text(f"{c.name}: {change.status}"))
    sub(info, "description", xml_text(change.reason))
    area = etree.SubElement(info, f"{{{NS}}}area")
    sub(area, "areaDesc", xml_text(c.name))
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


ATOM = "http://www.w3.org/2005/Atom"


def cap_atom(since: datetime, until: datetime, base: str) -> bytes:
    """An Atom index of the period's corridor status alerts, newest first, each linking to its CAP message."""
    changes = (CorridorStatusChange.objects.filter(at__gte=since, at__lt=until).select_related("corridor")
               .order_by("-at", "-id"))
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})

    def sub(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", **attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", f"urn:safepassage:cap:corridors:{since.date().isoformat()}:{until.date().isoformat()}")
    sub(feed, "title", "Safe Passage: corridor openings, suspensions and closures (CAP 1.2)")
    sub(feed, "updated", cap_time(changes[0].at if changes else datetime.now(UTC)))
    sub(sub(feed, "author"), "name", SENDER)
    for ch in changes:
        e = sub(feed, "entry")
        sub(e, "id", f"urn:{cap_identifier(ch)}")
        sub(e, "title", xml_text(f"{ch.corridor.name}: {ch.status}"))
        sub(e, "updated", cap_time(ch.at))
        sub(e, "summary", xml_text(ch.reason))
        sub(e, "link", href=f"{base}/api/exports/cap/{ch.id}.xml", type="application/cap+xml", rel="alternate")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def kml(principal, since: datetime, until: datetime) -> str:
    """The GeoJSON export's features as KML 2.2 (fastkml), one folder per layer."""
    import pygeoif
    from fastkml import KML, Document, Folder, Placemark
    from fastkml.geometry import create_kml_geometry

    folders: dict[str, list] = {}
    for f in geojson(principal, since, until)["features"]:
        props = f["properties"]
        name = props.get("name") or props.get("title") or f["id"]
        desc = "; ".join(f"{k}: {v}" for k, v in props.items() if k not in ("layer", "name", "title"))
        folders.setdefault(props["layer"], []).append(Placemark(
            id=f["id"], name=xml_text(str(name)), description=xml_text(desc),
            kml_geometry=create_kml_geometry(pygeoif.shape(f["geometry"]))))
    doc = Document(name="Safe Passage", features=[Folder(name=layer, features=items)
                                                  for layer, items in folders.items()])
    return KML(features=[doc]).to_string(prettyprint=True)
