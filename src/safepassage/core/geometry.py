"""GeoJSON geometry validation and bounding boxes (WGS 84 lon/lat)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, Strict, StringConstraints
from shapely.geometry import shape
from shapely.validation import explain_validity

from safepassage.core.errors import InvalidInput

AREA_TYPES = {"Polygon", "MultiPolygon"}
LINE_TYPES = {"LineString", "MultiLineString"}
POINT_TYPES = {"Point"}

# A coordinate of a JSON body: a number (never `true` nor "37.1"), finite, in range.
Lon = Annotated[float, Strict(), Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Strict(), Field(ge=-90, le=90, allow_inf_nan=False)]

# How deep each type's coordinates nest: 0 is a position.
_DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2, "MultiPolygon": 3}


def validate_geometry(geom: Any, *, field: str, allowed: set[str]) -> dict:
    """Return the geometry as a GeoJSON dict, or raise InvalidInput naming the field and reason."""
    if not isinstance(geom, dict) or "type" not in geom:
        raise InvalidInput("expected a GeoJSON geometry object with a 'type'", field=field)
    kind = geom["type"]
    if not isinstance(kind, str) or kind not in allowed:
        raise InvalidInput(
            f"geometry type {kind!r} is not allowed here; expected {' or '.join(sorted(allowed))}", field=field)
    if kind not in _DEPTH:
        raise InvalidInput(f"geometry type {kind!r} is not supported", field=field)
    coordinates = _coordinates(geom.get("coordinates"), _DEPTH[kind], field)
    if kind in AREA_TYPES:
        polygons = coordinates if kind == "MultiPolygon" else [coordinates]
        for rings in polygons:
            for ring in rings:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    raise InvalidInput("each polygon ring must be closed: at least four positions, "
                                       "the last one equal to the first", field=field)
    try:
        shp = shape({"type": kind, "coordinates": coordinates})
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidInput(f"malformed coordinates: {exc}", field=field) from exc
    if shp.is_empty:
        raise InvalidInput("geometry is empty", field=field)
    minx, miny, maxx, maxy = shp.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput("coordinates must be longitude, latitude in WGS 84 degrees", field=field)
    if not shp.is_valid:
        raise InvalidInput(f"invalid geometry: {explain_validity(shp)}", field=field)
    if kind in LINE_TYPES and shp.length == 0:
        raise InvalidInput("a line needs at least two distinct points", field=field)
    return {"type": kind, "coordinates": coordinates}


def _coordinates(value: Any, depth: int, field: str) -> Any:
    """The coordinates as nested lists of floats, checked number by number (no booleans, strings, NaN)."""
    if depth == 0:
        if not isinstance(value, list | tuple) or len(value) not in (2, 3):
            raise InvalidInput("a position is a list of longitude, latitude (and optionally height)", field=field)
        for number in value:
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                raise InvalidInput("coordinates must be finite numbers", field=field)
        return [float(n) for n in value]
    if not isinstance(value, list | tuple):
        raise InvalidInput("malformed coordinates: expected a list", field=field)
    return [_coordinates(v, depth - 1, field) for v in value]


def bbox_of(geom: dict) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in shape(geom).bounds)  # type: ignore[return-value]


_NUMBER = r" *-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)? *"
# The shape of a bbox query parameter, declared in the OpenAPI document; parse_bbox checks the values.
BBOX_PATTERN = rf"^{_NUMBER}(,{_NUMBER}){{3}}$"
BBoxText = Annotated[str, StringConstraints(pattern=BBOX_PATTERN, max_length=200)]


def parse_bbox(text: str, *, field: str = "bbox") -> tuple[float, float, float, float]:
    """Parse "min_lon,min_lat,max_lon,max_lat" (finite WGS 84 degrees, min ≤ max)."""
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError as exc:
        raise InvalidInput("expected four numbers: min_lon,min_lat,max_lon,max_lat", field=field) from exc
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise InvalidInput("expected four finite numbers: min_lon,min_lat,max_lon,max_lat", field=field)
    if parts[0] > parts[2] or parts[1] > parts[3]:
        raise InvalidInput("expected min_lon,min_lat,max_lon,max_lat with min ≤ max", field=field)
    if not (-180 <= parts[0] and parts[2] <= 180 and -90 <= parts[1] and parts[3] <= 90):
        raise InvalidInput("longitudes must be within ±180 and latitudes within ±90 degrees", field=field)
    return parts[0], parts[1], parts[2], parts[3]
