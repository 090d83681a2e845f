"""Reads of the hazard registry: which hazards are in force, which corridors they warn, the public warning.

Distances are computed with shapely in a local equirectangular projection centred on the hazard
(x = R·cos(lat0)·Δlon, y = R·Δlat, in metres): within a few kilometres of the centre the error is far below
the buffer's scale (a fraction of a percent), and no projection database is needed.
"""

from __future__ import annotations

import hashlib
import math

import shapely
from django.conf import settings
from shapely.geometry import shape

from safepassage.corridors.models import Corridor
from safepassage.incidents.models import Hazard, HazardClassification, HazardKind, HazardStatus, Verification

EARTH_RADIUS_M = 6_371_008.8
# the planner's vocabulary (safepassage.planning.hazards) for each kind of the registry
_PLANNING_KIND = {HazardKind.MINES_UXO_IED: "mine_uxo", HazardKind.SHELLING_ZONE: "shelling_zone",
                  HazardKind.FRONT_LINE: "front_line", HazardKind.BLOCKED_ROAD: "other"}
PUBLIC_NOUN = {HazardKind.MINES_UXO_IED: "mine", HazardKind.SHELLING_ZONE: "shelling",
                HazardKind.FRONT_LINE: "front line", HazardKind.BLOCKED_ROAD: "blocked road"}


def in_force_statuses() -> tuple[str, ...]:
    """The statuses under which a hazard warns the corridors (setting SAFEPASSAGE_HAZARDS_IN_FORCE)."""
    return tuple(getattr(settings, "SAFEPASSAGE_HAZARDS_IN_FORCE", (HazardStatus.REPORTED, HazardStatus.CONFIRMED)))


def buffer_m() -> float:
    """How near a corridor a hazard must be to warn it (setting SAFEPASSAGE_HAZARD_BUFFER_M)."""
    return float(getattr(settings, "SAFEPASSAGE_HAZARD_BUFFER_M", 200))


def _local(geometry: dict, lon0: float, lat0: float):
    k = math.cos(math.radians(lat0)) * EARTH_RADIUS_M * math.pi / 180
    m = EARTH_RADIUS_M * math.pi / 180
    return shapely.transform(shape(geometry), lambda xy: (xy - (lon0, lat0)) * (k, m))


def distance_m(a: dict, b: dict) -> float:
    """Distance in metres between two GeoJSON geometries (0 when they touch)."""
    c = shape(a).representative_point()
    return _local(a, c.x, c.y).distance(_local(b, c.x, c.y))


def _near_box(h: Hazard, c: Corridor, margin_m: float) -> bool:
    dlat = margin_m / 111_000
    dlon = dlat / max(math.cos(math.radians((h.min_lat + h.max_lat) / 2)), 0.01)
    return not (h.max_lon + dlon < c.min_lon or h.min_lon - dlon > c.max_lon
                or h.max_lat + dlat < c.min_lat or h.min_lat - dlat > c.max_lat)


def near(h: Hazard, c: Corridor, margin_m: float | None = None) -> bool:
    margin = buffer_m() if margin_m is None else margin_m
    return _near_box(h, c, margin) and distance_m(h.geometry, c.geometry) <= margin


# ---------------------------------------------------------------------------------------------------------------
# reads


def hazards_in_force(at=None):
    qs = Hazard.objects.filter(status__in=in_force_statuses()).prefetch_related("incidents")
    if at is not None:
        qs = qs.filter(recorded_at__lte=at)
    return qs.order_by("id")


def location_of(h: Hazard) -> dict:
    p = shape(h.geometry).representative_point()
    return {"lon": round(p.x, 5), "lat": round(p.y, 5)}


def warning(h: Hazard) -> dict:
    """The public warning of a hazard; the incidents behind it only once verified and published.

    "Verified" when the hazard is confirmed or a verifier has verified a report it comes from.
    """
    loc = location_of(h)
    incidents = list(h.incidents.all())
    verified = (h.status == HazardStatus.CONFIRMED or h.classification == HazardClassification.CONFIRMED
                or any(i.verification == Verification.VERIFIED for i in incidents))
    wording = "verified" if verified else "unverified"
    since = h.status_since.date().isoformat()
    return {
        "hazard_id": h.pk, "kind": h.kind, "status": h.status, "classification": h.classification,
        "verification": wording, "since": h.status_since, "location": loc,
        "text": f"{PUBLIC_NOUN[h.kind]} {h.status.replace('_', ' ')} at {loc['lat']:.4f}, {loc['lon']:.4f}, "
                f"{wording}, since {since}",
        "incident_ids": sorted(i.pk for i in incidents if i.verification == Verification.VERIFIED and i.published),
    }


def corridor_warnings(corridors, at=None) -> dict[int, list[dict]]:
    """The warnings of the hazards in force near each corridor, by corridor id (corridors without: absent)."""
    hazards = list(hazards_in_force(at))
    out: dict[int, list[dict]] = {}
    for c in corridors:
        for h in hazards:
            if near(h, c):
                out.setdefault(c.pk, []).append(warning(h))
    return out


def hazard_read(h: Hazard, *, full: bool) -> dict:
    """A hazard for the API; `full` adds its description, history and all its incidents (staff only).

    The description may repeat an unpublished incident's title, so the public never gets it.
    """
    out = {"id": h.pk, "kind": h.kind, "geometry": h.geometry, "evidence": h.evidence,
           "classification": h.classification, "status": h.status, "status_since": h.status_since,
           "description": h.description if full else "", "in_force": h.status in in_force_statuses(), "warning": warning(h)}
    if full:
        out["incident_ids"] = sorted(i.pk for i in h.incidents.all())
        out["history"] = [{"status": s.status, "reason": s.reason, "at": s.at,
                           "changed_by": s.changed_by.username if s.changed_by else None}
                          for s in h.status_history.select_related("changed_by")]
        out["corridor_ids"] = [c.pk for c in Corridor.objects.all() if near(h, c)]
    return out


def planning_geojson(at=None) -> dict:
    """The hazards in force as a planning hazards file (safepassage.planning.hazards format)."""
    features = []
    for h in hazards_in_force(at):
        features.append({"type": "Feature", "id": f"hazard-{h.pk}", "geometry": h.geometry,
                         "properties": {"id": f"hazard-{h.pk}", "kind": _PLANNING_KIND[h.kind],
                                        "status": "active" if h.status == HazardStatus.CONFIRMED else "suspected",
                                        "severity": "extreme" if h.kind in (HazardKind.MINES_UXO_IED,
                                                                            HazardKind.BLOCKED_ROAD) else "high",
                                        "radius_m": buffer_m() if h.geometry["type"] != "Polygon" else 0}})
    return {"type": "FeatureCollection", "features": features}


def registry_version(at=None) -> str:
    """A fingerprint of the hazards in force: their ids, statuses and footprints."""
    parts = [f"{h.pk}:{h.status}:{h.geometry}" for h in hazards_in_force(at)]
    return "registry:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:55]


def hazard_features(at=None) -> list[dict]:
    """The footprints of the hazards in force with their public warning, as GeoJSON features."""
    out = []
    for h in hazards_in_force(at):
        w = warning(h)
        out.append({"type": "Feature", "geometry": h.geometry,
                    "properties": {**w, "since": w["since"].isoformat()}})
    return out
