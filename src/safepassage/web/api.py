"""The map's data in one call."""


import json
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from safepassage.core.api import DateTime, op
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import now, require_aware
from safepassage.incidents.layers import incidents_layer
from safepassage.web.layers import map_layers

router = Router(tags=["map"])


class LayersParams(Schema):
    at: DateTime | None = Field(None, description="the picture at this time (default: now)")


class MapLayers(Schema):
    at: str
    control_visible: bool
    parties: list[dict[str, Any]]
    areas: dict[str, Any]
    sites: dict[str, Any]
    corridors: dict[str, Any]
    checkpoints: dict[str, Any]
    pauses: list[dict[str, Any]]
    hazards: dict[str, Any] = Field(..., description="footprints of the hazards in force, with their warning")


@op(router.get, "/map/layers", perm=Perm.PLACES_VIEW, response=MapLayers)
def layers(request, params: LayersParams = Query(...)):
    """Areas (with control where the viewer may see it), sites, corridors, checkpoints, pauses in force."""
    at = require_aware(params.at, "at") if params.at else now()
    body = json.dumps(map_layers(at=at, viewer=request.auth), ensure_ascii=False, separators=(",", ":"))
    # Serialised directly: validating 400 kB of coordinates through pydantic costs more than the query.
    return HttpResponse(body, content_type="application/json")


@op(router.get, "/map/incidents", perm=Perm.INCIDENTS_VIEW, response=dict[str, Any])
def incidents(request, category: str | None = Query(None, max_length=60),
              status: str | None = Query(None, max_length=30),
              time_from: DateTime | None = Query(None, alias="from"), to: DateTime | None = None,
              corridor_id: int | None = Query(None, ge=1, le=2**31 - 1),
              bbox: str | None = Query(None, max_length=200, description="min_lon,min_lat,max_lon,max_lat")):
    """Incidents as compact GeoJSON (id, category `c`, status `v`), filtered; the public sees verified, published ones."""
    body = json.dumps(incidents_layer(
        request.auth, category=category, status=status,
        time_from=require_aware(time_from, "from") if time_from else None,
        time_to=require_aware(to, "to") if to else None, corridor_id=corridor_id, bbox=bbox),
        ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, content_type="application/json")
