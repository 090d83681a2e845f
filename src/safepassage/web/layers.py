"""The map's layers as GeoJSON, for one moment in time, filtered by what the viewer may see."""

from __future__ import annotations

from datetime import datetime

from safepassage.accounts.models import Party
from safepassage.accounts.selectors import party_label
from safepassage.core.permissions import Perm
from safepassage.core.principal import Principal
from safepassage.corridors import selectors as corridor_selectors
from safepassage.corridors.models import Checkpoint, Corridor
from safepassage.incidents.hazard_reads import corridor_warnings, hazard_features
from safepassage.pauses import selectors as pause_selectors
from safepassage.places import selectors as place_selectors
from safepassage.places.models import Place, PlaceKind


def _feature(geometry: dict, props: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _drawn_as(status: str, open_now: bool) -> str:
    """How the map draws a corridor: an open one outside its daily hours is not drawn as open."""
    return "outside_hours" if status == "open" and not open_now else status


def map_layers(*, at: datetime, viewer: Principal) -> dict:
    show_control = viewer.can(Perm.CONTROL_VIEW)
    # Populated places are the agreements registry's communities, not sites to mark on the map.
    places = list(Place.objects.exclude(site_type="populated_place")
                  .only("id", "kind", "name", "name_ar", "site_type", "geometry", "pcode"))
    control = place_selectors.control_at(at) if show_control else {}
    areas, sites = [], []
    for p in places:
        props = {"id": p.pk, "name": p.name, "name_ar": p.name_ar, "pcode": p.pcode}
        if p.kind == PlaceKind.AREA:
            obs = control.get(p.pk)
            if show_control:
                props.update(
                    control_status=obs.status if obs else "unknown",
                    party_id=obs.party_id if obs else None,
                    party=party_label(obs.party) if obs and obs.party else None,
                    control_source=obs.source if obs else None,
                    control_since=obs.observed_from.isoformat() if obs else None,
                )
            areas.append(_feature(p.geometry, props))
        else:
            props["site_type"] = p.site_type
            sites.append(_feature(p.geometry, props))

    corridors = list(Corridor.objects.all())
    statuses = corridor_selectors.statuses_at(at, [c.pk for c in corridors])
    warnings = corridor_warnings(corridors, at)
    corridor_features = []
    for c in corridors:
        change = statuses.get(c.pk)
        if change is None:
            continue  # did not exist yet at that time
        until = corridor_selectors.open_until(c, at) if change.status == "open" else None
        open_now = corridor_selectors.is_open_at(c, at, change.status)
        corridor_features.append(_feature(c.geometry, {
            "id": c.pk, "name": c.name, "name_ar": c.name_ar, "direction": c.direction,
            "eligible_groups": c.eligible_groups, "status": change.status, "status_reason": change.reason,
            "drawn_as": _drawn_as(change.status, open_now),
            "status_since": change.at.isoformat(), "opens_at": c.opens_at.strftime("%H:%M"),
            "closes_at": c.closes_at.strftime("%H:%M"), "timezone": c.timezone,
            "open_now": open_now,
            "open_until": until.isoformat() if until else None,
            "hazards": [{**w, "since": w["since"].isoformat()} for w in warnings.get(c.pk, [])],
        }))
    visible = set(statuses)
    checkpoints = [
        _feature({"type": "Point", "coordinates": [cp.lon, cp.lat]},
                 {"id": cp.pk, "name": cp.name, "name_ar": cp.name_ar, "corridor_id": cp.corridor_id,
                  "inspects_cargo": cp.inspects_cargo})
        for cp in Checkpoint.objects.all() if cp.corridor_id in visible
    ]
    pauses = [
        {"id": p.pk, "title": p.title, "title_ar": p.title_ar, "status": p.status,
         "starts_at": p.starts_at.isoformat(), "ends_at": p.ends_at.isoformat(),
         "place_ids": sorted(x.pk for x in p.places.all()),
         "corridor_ids": sorted(x.pk for x in p.corridors.all())}
        for p in pause_selectors.in_force_at(at)
    ]
    parties = [{"id": p.pk, "short_name": p.short_name, "name": p.name, "name_ar": p.name_ar, "color": p.color}
               for p in Party.objects.order_by("short_name")] if show_control else []
    return {
        "at": at.isoformat(), "control_visible": show_control, "parties": parties,
        "areas": _fc(areas), "sites": _fc(sites), "corridors": _fc(corridor_features),
        "checkpoints": _fc(checkpoints), "pauses": pauses, "hazards": _fc(hazard_features(at)),
    }
