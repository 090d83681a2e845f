"""Reads of places and of control as observed at a given time."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from safepassage.accounts.models import Party
from safepassage.core.models import get_or_refuse
from safepassage.places.models import ControlObservation, Place


def places(*, kind: str | None = None, site_type: str | None = None,
           bbox: tuple[float, float, float, float] | None = None, q: str | None = None) -> QuerySet[Place]:
    qs = Place.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if site_type:
        qs = qs.filter(site_type=site_type)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(name_ar__icontains=q)
    return qs.order_by("kind", "name", "id")


def control_at(at: datetime, place_ids: list[int] | None = None) -> dict[int, ControlObservation]:
    """Latest observation per area with observed_from ≤ at."""
    qs = ControlObservation.objects.filter(observed_from__lte=at).select_related("party")
    if place_ids is not None:
        qs = qs.filter(place_id__in=place_ids)
    latest: dict[int, ControlObservation] = {}
    for obs in qs.order_by("place_id", "observed_from", "id"):
        latest[obs.place_id] = obs
    return latest


def control_read(obs: ControlObservation | None) -> dict | None:
    if obs is None:
        return None
    return {"party_id": obs.party_id, "party": obs.party.short_name if obs.party else None,
            "status": obs.status, "observed_from": obs.observed_from, "source": obs.source}


def place_read(place: Place, control: ControlObservation | None = None) -> dict:
    return {"id": place.pk, "kind": place.kind, "name": place.name, "name_ar": place.name_ar,
            "pcode": place.pcode, "site_type": place.site_type, "geometry": place.geometry,
            "bbox": [place.min_lon, place.min_lat, place.max_lon, place.max_lat], "version": place.version,
            "control": control_read(control)}


def control_history(place: Place) -> QuerySet[ControlObservation]:
    """Every control observation of an area, newest first."""
    return place.control_observations.select_related("party")


def party_or_refuse(party_id: int | None) -> Party | None:
    return get_or_refuse(Party, party_id, "party_id")
