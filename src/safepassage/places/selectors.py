"""Reads of places and of control as observed at a given time."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

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
