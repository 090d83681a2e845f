"""GeoJSON geometry validation and bounding boxes (WGS 84 lon/lat)."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from safepassage.core.errors import InvalidInput

AREA_TYPES = {"Polygon", "MultiPolygon"}
LINE_TYPES = {"LineString", "MultiLineString"}
POINT_TYPES = {"Point"}


def validate_geometry(geom: Any, *, field: str, allowed: set[str]) -> dict:
    """Return the geometry as a GeoJSON dict, or raise InvalidInput naming the field and reason."""
    if not isinstance(geom, dict) or "type" not in geom:
        raise InvalidInput("expected a GeoJSON geometry object with a 'type'", field=field)
    if geom["type"] not in allowed:
        raise InvalidInput(
            f"geometry type {geom['type']} is not allowed here; expected {' or '.join(sorted(allowed))}",
            field=field,
        )
    try:
        shp = shape(geom)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidInput(f"malformed coordinates: {exc}", field=field) from exc
    if shp.is_empty:
        raise InvalidInput("geometry is empty", field=field)
    minx, miny, maxx, maxy = shp.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput("coordinates must be longitude, latitude in WGS 84 degrees", field=field)
    if not shp.is_valid:
        raise InvalidInput(f"invalid geometry: {explain_validity(shp)}", field=field)
    if geom["type"] in LINE_TYPES and shp.length == 0:
        raise InvalidInput("a line needs at least two distinct points", field=field)
    return {"type": geom["type"], "coordinates": _as_lists(geom["coordinates"])}


def bbox_of(geom: dict) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in shape(geom).bounds)  # type: ignore[return-value]


def parse_bbox(text: str, *, field: str = "bbox") -> tuple[float, float, float, float]:
    """Parse "min_lon,min_lat,max_lon,max_lat"."""
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError as exc:
        raise InvalidInput("expected four numbers: min_lon,min_lat,max_lon,max_lat", field=field) from exc
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise InvalidInput("expected min_lon,min_lat,max_lon,max_lat with min ≤ max", field=field)
    return parts[0], parts[1], parts[2], parts[3]


def _as_lists(coords: Any) -> Any:
    if isinstance(coords, list | tuple):
        return [_as_lists(c) for c in coords]
    return float(coords)
