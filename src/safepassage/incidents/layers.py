"""The incidents layer of the map: compact GeoJSON, filtered, and only what the viewer may see.

The public gets verified and published incidents only, protected locations coarsened (the selectors'
rules). Each feature carries its id, first category `c`, all categories `cs` when several, and its
verification status `v`; points are rounded to 1e-5 degrees (about a metre).
"""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import shapely
from django.db.models import Q, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from safepassage.core.errors import InvalidInput, NotFound
from safepassage.core.geometry import parse_bbox
from safepassage.corridors.models import Corridor
from safepassage.incidents.models import Category, Verification
from safepassage.incidents.selectors import coarsen, sees_all, visible_incidents

METRES_PER_DEGREE = 111_320.0
NEAR_CORRIDOR_M = 250  # an incident this close to a corridor's line counts as on it


def incidents_layer(principal, *, category: str | None = None, status: str | None = None,
                    time_from: datetime | None = None, time_to: datetime | None = None,
                    corridor_id: int | None = None, bbox: str | None = None,
                    near_m: int = NEAR_CORRIDOR_M) -> dict:
    """The incidents as a FeatureCollection; a time filter keeps those whose interval may overlap it."""
    if category and category not in Category.values:
        raise InvalidInput(f"unknown category; one of {', '.join(Category.values)}", field="category")
    if status and status not in Verification.values:
        raise InvalidInput(f"one of {', '.join(Verification.values)}", field="status")
    if time_from and time_to and time_from > time_to:
        raise InvalidInput("'from' is after 'to'", field="to")
    box = parse_bbox(bbox) if bbox else None
    full = sees_all(principal)
    qs = visible_incidents(principal).exclude(geometry__isnull=True)
    if category:
        qs = qs.filter(categories__icontains=f'"{category}"')  # a JSON list of known codes: exact enough
    if status:
        qs = qs.filter(verification=status)
    if time_from or time_to:
        qs = qs.exclude(time_earliest__isnull=True, time_latest__isnull=True)
        if time_from:
            qs = qs.filter(Q(time_latest__isnull=True) | Q(time_latest__gte=time_from))
        if time_to:
            qs = qs.filter(Q(time_earliest__isnull=True) | Q(time_earliest__lte=time_to))
    corridor = None
    if corridor_id:
        corridor = Corridor.objects.filter(pk=corridor_id).only("id", "geometry").first()
        if corridor is None:
            raise NotFound("no such corridor")
    features = _features(qs, full)
    if box or corridor is not None:
        features = _spatial(features, box, corridor, near_m, qs if corridor is not None else None)
    return {"type": "FeatureCollection", "features": features, "count": len(features)}


def _features(qs, full: bool) -> list[dict]:
    """One feature per incident; a point's coordinates and the categories are read in SQL, not decoded per row."""
    rows = list(qs.annotate(gt=KT("geometry__type"), x=KT("geometry__coordinates__0"),
                            y=KT("geometry__coordinates__1"), cats=Cast("categories", TextField()))
                .values_list("id", "gt", "x", "y", "cats", "verification", "protected", "public_precision_m"))
    others = {pk for pk, gt, *_ in rows if gt != "Point"}
    shapes = dict(qs.filter(pk__in=others).values_list("id", "geometry")) if others else {}
    features = []
    for pk, _gt, x, y, cats, verification, protected, public_m in rows:
        geometry = shapes[pk] if pk in shapes else {"type": "Point", "coordinates": [round(float(x), 5),
                                                                                    round(float(y), 5)]}
        if protected and not full:
            geometry = coarsen(geometry, public_m)
        categories = json.loads(cats) if "," in cats else [cats.strip('[]" ')]
        props = {"id": pk, "c": categories[0] or "other", "v": verification}
        if len(categories) > 1:
            props["cs"] = categories
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return features


def _spatial(features: list[dict], box, corridor, near_m: int, qs) -> list[dict]:
    """Keep the features in the box and near (or linked to) the corridor, tested in one vectorised pass."""
    if not features:
        return features
    shapes = np.array([shapely.geometry.shape(f["geometry"]) for f in features])
    keep = np.ones(len(features), dtype=bool)
    if box:
        keep &= shapely.intersects(shapes, shapely.box(*box))
    if corridor is not None:
        line = shapely.geometry.shape(corridor.geometry)
        linked = set(qs.filter(corridors=corridor.pk).values_list("id", flat=True))
        near = shapely.dwithin(shapes, line, near_m / METRES_PER_DEGREE)
        near |= np.array([f["properties"]["id"] in linked for f in features])
        keep &= near
    return [f for f, k in zip(features, keep.tolist(), strict=True) if k]
