"""Export a notification as a CAP 1.2 message (scope Restricted), valid against the OASIS XSD."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree
from shapely.geometry import mapping, shape

from safepassage.deconfliction.models import Kind, Notification, NotificationState

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "safepassage.operations-cell"
RESTRICTION = ("Humanitarian notification for the notified parties and the operations cell only; "
               "it informs and is not a request for permission")
ROUTE_BUFFER_DEG = 0.002  # about 200 m either side of the route
EVENTS = {Kind.CONVOY: "Humanitarian convoy movement", Kind.EVACUATION: "Humanitarian evacuation movement",
          Kind.STATIC_SITE: "Humanitarian static site"}
EVENTS_AR = {Kind.CONVOY: "تحرك قافلة إنسانية", Kind.EVACUATION: "عملية إجلاء إنساني",
             Kind.STATIC_SITE: "موقع إنساني ثابت"}


# What XML 1.0 cannot carry (control characters other than tab and line breaks, lone surrogates, the two
# non-characters). The API refuses it on the way in; text stored before that is replaced, so that one
# stored character never stops the export for everyone.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str | None) -> str:
    """The text with anything XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value or "")


def cap_time(value: datetime) -> str:
    """CAP wants seconds and an explicit offset, never 'Z' nor fractions."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def identifier(n: Notification) -> str:
    return f"safepassage.notification.{n.series}.r{n.revision}"


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    shp = shape(geometry)
    if shp.geom_type in ("LineString", "MultiLineString"):
        shp = shp.buffer(ROUTE_BUFFER_DEG, cap_style="round")
    polys = [shp] if shp.geom_type == "Polygon" else list(getattr(shp, "geoms", []))
    return [list(mapping(p)["coordinates"][0]) for p in polys if p.geom_type == "Polygon"]


def _area(info, n: Notification, desc: str) -> None:
    area = etree.SubElement(info, f"{{{NS}}}area")
    etree.SubElement(area, f"{{{NS}}}areaDesc").text = xml_text(desc)
    if n.geometry["type"] == "Point":
        lon, lat = n.geometry["coordinates"][:2]
        etree.SubElement(area, f"{{{NS}}}circle").text = f"{lat:.6f},{lon:.6f} 0.5"
        return
    for ring in _rings(n.geometry):
        pts = [f"{lat:.6f},{lon:.6f}" for lon, lat in ring]
        if pts[0] != pts[-1]:
            pts.append(pts[0])
        etree.SubElement(area, f"{{{NS}}}polygon").text = " ".join(pts)


def _info(alert, n: Notification, *, lang: str, parties: list[str]) -> None:
    ar = lang == "ar"
    info = etree.SubElement(alert, f"{{{NS}}}info")

    def add(tag: str, text: str) -> None:
        etree.SubElement(info, f"{{{NS}}}{tag}").text = xml_text(text)

    add("language", "ar" if ar else "en-US")
    add("category", "Safety")
    add("category", "Transport" if n.kind != Kind.STATIC_SITE else "Infra")
    add("event", EVENTS_AR[n.kind] if ar else EVENTS[n.kind])
    add("responseType", "Monitor")
    add("urgency", "Future" if n.starts_at > n.sent_at else "Expected")
    add("severity", "Unknown")
    add("certainty", "Likely")
    add("audience", " ".join(parties))
    add("effective", cap_time(n.sent_at))
    add("onset", cap_time(n.starts_at))
    if n.ends_at is not None:
        add("expires", cap_time(n.ends_at))
    add("senderName", n.who)
    add("headline", (n.title_ar or n.title) if ar else n.title)
    add("description", n.description or n.title)
    add("instruction", (
        f"يرجى تأكيد الاستلام أو الرفض مع ذكر السبب قبل {cap_time(n.deadline)} من حساب ضابط الاتصال الخاص بطرفكم"
        if ar else
        f"Acknowledge, or refuse with a reason, before {cap_time(n.deadline)} from your party's liaison account"))
    for name, value in (("deadline", cap_time(n.deadline)), ("revision", str(n.revision)),
                        ("notificationKind", n.kind), ("notifiedParties", "; ".join(parties))):
        p = etree.SubElement(info, f"{{{NS}}}parameter")
        etree.SubElement(p, f"{{{NS}}}valueName").text = name
        etree.SubElement(p, f"{{{NS}}}value").text = xml_text(value)
    _area(info, n, (n.site.name if n.site else n.title) if not ar else
          ((n.site.name_ar or n.site.name) if n.site else (n.title_ar or n.title)))


def to_cap(n: Notification, *, status: str = "Actual") -> bytes:
    """The notification as CAP 1.2 XML bytes (UTF-8)."""
    parties = sorted(a.party.short_name for a in n.acknowledgements.select_related("party"))
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})

    def add(tag: str, text: str) -> None:
        etree.SubElement(alert, f"{{{NS}}}{tag}").text = xml_text(text)

    withdrawn = n.state == NotificationState.WITHDRAWN
    add("identifier", identifier(n) + (".cancel" if withdrawn else ""))
    add("sender", SENDER)
    add("sent", cap_time(n.updated_at if withdrawn else n.sent_at))
    add("status", status)
    add("msgType", "Cancel" if withdrawn else ("Update" if n.supersedes_id else "Alert"))
    add("source", "Safe Passage")
    add("scope", "Restricted")
    add("restriction", RESTRICTION)
    add("addresses", " ".join(f'"{p}"' if " " in p else p for p in parties))
    if n.state_reason:
        add("note", n.state_reason)
    if withdrawn:
        add("references", f"{SENDER},{identifier(n)},{cap_time(n.sent_at)}")
    elif n.supersedes_id:
        prev = n.supersedes
        add("references", f"{SENDER},{identifier(prev)},{cap_time(prev.sent_at)}")
    _info(alert, n, lang="en", parties=parties)
    _info(alert, n, lang="ar", parties=parties)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
