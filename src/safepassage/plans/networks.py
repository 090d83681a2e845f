"""The network plans run on: a configured road network, else the district graph of the areas."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from shapely.geometry import shape

from safepassage.places.models import Place, PlaceKind
from safepassage.planning.network import Network, district_graph, load_network


@dataclass(frozen=True)
class PlanningNetwork:
    network: Network
    label: str  # which network and which version of it, recorded with every run
    node_place_ids: list[int] | None  # for the district graph: the area each node stands for


_cache: dict[str, PlanningNetwork] = {}
_lock = threading.Lock()


def _areas_fingerprint() -> str:
    agg = Place.objects.filter(kind=PlaceKind.AREA).aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return f"{agg['n']}-{agg['top']}-{agg['last'].isoformat() if agg['last'] else 'none'}"


def current_network() -> PlanningNetwork:
    """Loaded once per version: a road network file when configured, else the areas' district graph."""
    road = settings.SAFEPASSAGE_ROAD_NETWORK
    if road:
        path = Path(road)
        key = f"road:{path}:{path.stat().st_mtime_ns}"
        label = f"road network {path.name} (modified {path.stat().st_mtime_ns})"
        build = lambda: PlanningNetwork(load_network(path), label, None)  # noqa: E731
    else:
        key = f"districts:{_areas_fingerprint()}"

        def build() -> PlanningNetwork:
            areas = list(Place.objects.filter(kind=PlaceKind.AREA).order_by("id").only("id", "geometry"))
            network = district_graph([shape(a.geometry) for a in areas])
            return PlanningNetwork(network, f"district graph of {len(areas)} areas ({key})", [a.pk for a in areas])
    with _lock:
        if key not in _cache:
            _cache.clear()  # one version at a time; the old one is stale
            _cache[key] = build()
        return _cache[key]
