from datetime import date
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import StrictBool, StrictFloat, StrictInt

from safepassage.core.api import DateTime, DbId, LocalTime, ShortText
from safepassage.jobs.schemas import JobProgress

Lon = Field(..., ge=-180, le=180)
Lat = Field(..., ge=-90, le=90)
GroupT = Literal["civilians", "wounded_sick", "leaving_armed_groups_unarmed", "leaving_armed_groups_armed",
                 "humanitarian_cargo"]


class RouteRequest(Schema):
    origin: list[StrictFloat] = Field(..., min_length=2, max_length=2, description="[lon, lat]")
    destination: list[StrictFloat] = Field(..., min_length=2, max_length=2, description="[lon, lat]")
    weight: Literal["time", "length", "risk"] = "risk"
    mode: Literal["walk", "drive"] = "walk"
    alternatives: StrictInt = Field(1, ge=1, le=5)
    hazards: dict[str, Any] | None = Field(None, description="GeoJSON FeatureCollection of hazards")
    at: DateTime | None = Field(None, description="evaluate hazards at this time (default now)")


class EvacOrigin(Schema):
    lon: StrictFloat = Lon
    lat: StrictFloat = Lat
    people: StrictInt = Field(..., ge=0, le=10_000_000)


class EvacExit(Schema):
    lon: StrictFloat = Lon
    lat: StrictFloat = Lat
    capacity_ppm: StrictFloat = Field(..., ge=0, le=1_000_000, description="persons per minute the exit absorbs")


class EvacuationRequest(Schema):
    origins: list[EvacOrigin] = Field(..., min_length=1, max_length=5000)
    exits: list[EvacExit] = Field(..., min_length=1, max_length=500)
    window_min: StrictInt = Field(..., ge=1, le=24 * 60, description="length of the pause in minutes")
    method: Literal["exact", "heuristic", "both"] = "both"


class DemandPoint(Schema):
    lon: StrictFloat = Lon
    lat: StrictFloat = Lat
    weight: StrictFloat = Field(1.0, ge=0, le=1e9)


class Candidate(Schema):
    lon: StrictFloat = Lon
    lat: StrictFloat = Lat
    id: ShortText


class SitingRequest(Schema):
    demand: list[DemandPoint] = Field(..., min_length=1, max_length=20000)
    candidates: list[Candidate] = Field(..., min_length=1, max_length=2000)
    k: StrictInt = Field(..., ge=1, le=500)
    radius_m: StrictFloat | None = Field(None, gt=0, le=1e6)
    objective: Literal["mclp", "pmedian"] = "mclp"
    use_network: StrictBool = False


class PlacesEvacuationRequest(Schema):
    area_ids: list[DbId] = Field(..., min_length=1, max_length=500, description="areas whose people leave")
    corridor_ids: list[DbId] = Field(..., min_length=1, max_length=100,
                                     description="corridors whose checkpoints (with a capacity per minute) are exits")
    window_min: StrictInt = Field(..., ge=1, le=24 * 60, description="length of the pause in minutes")
    method: Literal["exact", "heuristic", "both"] = "both"


class PlacesSitingRequest(Schema):
    candidate_ids: list[DbId] = Field(..., min_length=1, max_length=2000, description="candidate places (any kind)")
    area_ids: list[DbId] = Field(..., min_length=1, max_length=500, description="areas whose people to cover")
    k: StrictInt = Field(..., ge=1, le=500, description="number of sites")
    radius_m: StrictFloat | StrictInt | None = Field(None, gt=0, le=1e6)
    objective: Literal["mclp", "pmedian"] = "mclp"
    use_network: StrictBool = False


class OptionArea(Schema):
    id: int
    name: str
    name_ar: str
    people: int | None = Field(None, description="latest population figure, if any")
    source: str
    as_of: date | None
    illustrative: bool


class OptionSite(Schema):
    id: int
    name: str
    name_ar: str
    site_type: str


class OptionCorridor(Schema):
    id: int
    name: str
    name_ar: str
    status: str
    capacity_per_minute: float = Field(..., description="sum over its checkpoints; 0 = cannot be an exit")


class PlanOptions(Schema):
    network: Literal["road", "district"] = Field(..., description="district: straight lines between area centres")
    areas: list[OptionArea]
    sites: list[OptionSite]
    corridors: list[OptionCorridor]


class PlanRunRead(Schema):
    id: int
    kind: str
    status: str
    error: str
    network: str
    hazards_version: str
    inputs: dict[str, Any]
    result: dict[str, Any] | None
    timings: dict[str, Any]
    created_at: DateTime
    created_by: str | None
    job_id: StrictInt | None = Field(None, description="the background job computing it (GET /api/jobs/{id})")
    progress: JobProgress | None = None


class PlanRunSummary(Schema):
    id: int
    kind: str
    status: str
    network: str
    created_at: DateTime
    created_by: str | None


class CorridorFromRoute(Schema):
    route_index: StrictInt = Field(0, ge=0, le=10)
    name: ShortText
    direction: Literal["out", "in", "both"]
    eligible_groups: list[GroupT] = Field(..., min_length=1, max_length=5)
    opens_at: LocalTime
    closes_at: LocalTime


class PlanFilters(Schema):
    kind: Literal["route", "evacuation", "siting"] | None = None
