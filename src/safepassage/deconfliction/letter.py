"""A printable notification letter, English and Arabic, rendered to PDF with WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from safepassage.accounts.selectors import party_label
from safepassage.core.i18n import localized_name
from safepassage.core.timeutil import operation_zone
from safepassage.deconfliction.models import Kind, Notification

KIND_EN = {Kind.CONVOY: "Aid convoy movement", Kind.EVACUATION: "Evacuation movement",
           Kind.STATIC_SITE: "Static humanitarian site"}
KIND_AR = {Kind.CONVOY: "تحرك قافلة مساعدات", Kind.EVACUATION: "عملية إجلاء", Kind.STATIC_SITE: "موقع إنساني ثابت"}


def _svg_route(geometry: dict, width: int = 420, height: int = 180) -> SafeString:
    """A small inline SVG of the route or site, so the letter shows where without a map server.

    Built from numbers and constants only (no stored text), hence marked safe here and nowhere else."""
    from shapely.geometry import shape

    shp = shape(geometry)
    minx, miny, maxx, maxy = shp.bounds
    span = max(maxx - minx, maxy - miny, 1e-6)
    pad = 12

    def xy(lon: float, lat: float) -> str:
        x = pad + (lon - minx) / span * (width - 2 * pad)
        y = height - pad - (lat - miny) / span * (height - 2 * pad)
        return f"{x:.1f},{y:.1f}"

    parts = []
    geoms = getattr(shp, "geoms", [shp])
    for g in geoms:
        if g.geom_type == "Point":
            parts.append(f'<circle cx="{xy(g.x, g.y).split(",")[0]}" cy="{xy(g.x, g.y).split(",")[1]}" r="6" '
                         'fill="#b2182b"/>')
        else:
            coords = g.exterior.coords if g.geom_type == "Polygon" else g.coords
            pts = " ".join(xy(c[0], c[1]) for c in coords)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="#b2182b" stroke-width="3"/>')
    return mark_safe(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                     f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#f4f4f4"/>'
                     + "".join(parts) + "</svg>")


def _movement_ar(n: Notification) -> str:
    """The convoy's movement in Arabic: from, to, corridor (their Arabic names), vehicles and cargo categories."""
    c = n.convoy
    if c is None:
        return ""
    with translation.override("ar"):
        vehicles = "؛ ".join(f"\u2066{v.plate}\u2069" for v in c.vehicles.all())
        cargo = "، ".join(sorted({translation.gettext(m.category) for m in c.manifest.all()}))
        return (f"من {localized_name(c.origin)} إلى {localized_name(c.destination)} عبر "
                f"{localized_name(c.corridor)}. المركبات: {vehicles or 'تُحدَّد لاحقاً'}. "
                f"الحمولة: {cargo or 'لا شيء'}.")


def context(n: Notification) -> dict:
    acks = sorted(n.acknowledgements.select_related("party"), key=lambda a: a.party.short_name)
    coords = n.geometry["coordinates"]
    first_last = None
    if n.geometry["type"] == "LineString":
        first_last = (coords[0], coords[-1])

    zone = operation_zone()

    def local(dt):
        # a no-break space (bidi class CS) keeps date and time in one left-to-right run inside Arabic text
        return dt.astimezone(zone).strftime("%Y-%m-%d\u00a0%H:%M") if dt else "—"

    return {
        "n": n, "kind_en": KIND_EN[n.kind], "kind_ar": KIND_AR[n.kind],
        "parties": [party_label(a.party) for a in acks],
        "parties_ar": [a.party.name_ar or party_label(a.party) for a in acks], "movement_ar": _movement_ar(n),
        "starts": local(n.starts_at), "ends": local(n.ends_at), "sent": local(n.sent_at),
        "deadline": local(n.deadline), "first_last": first_last, "svg": _svg_route(n.geometry),
        "site": n.site, "tz": zone.key,
    }


def render_html(n: Notification) -> str:
    return render_to_string("deconfliction/letter.html", context(n))


def render_pdf(n: Notification) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(n)).write_pdf()
