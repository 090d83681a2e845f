from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime, DbId, LocalTime, ShortText, Text
from safepassage.core.geometry import BBoxText, Lat, Lon
from safepassage.core.timeutil import operation_zone_name

DirectionT = Literal["out", "in", "both"]
GroupT = Literal["civilians", "wounded_sick", "leaving_armed_groups_unarmed", "leaving_armed_groups_armed",
                 "humanitarian_cargo"]
StatusT = Literal["open", "suspended", "closed"]


class CheckpointInline(Schema):
    id: int
    name: str
    name_ar: str
    lon: float
    lat: float
    inspects_cargo: bool
    capacity_per_minute: float = 0
    version: int


class CorridorStatusChangeRead(Schema):
    status: str
    reason: str
    at: DateTime
    changed_by: str | None


class CorridorCreate(Schema):
    name: ShortText
    name_ar: ShortText = ""
    geometry: dict[str, Any] = Field(..., description="GeoJSON LineString, WGS 84 lon/lat")
    direction: DirectionT
    eligible_groups: list[GroupT] = Field(..., min_length=1, max_length=5)
    opens_at: LocalTime
    closes_at: LocalTime
    timezone: ShortText = Field(default_factory=operation_zone_name)
    origin_id: DbId | None = None
    destination_id: DbId | None = None
    notes: Text = ""


class CorridorUpdate(Schema):
    version: int = Field(..., ge=1, description="the version you read; a stale one is refused with 409")
    name: ShortText | None = None
    name_ar: ShortText | None = None
    geometry: dict[str, Any] | None = None
    direction: DirectionT | None = None
    eligible_groups: list[GroupT] | None = Field(None, min_length=1, max_length=5)
    opens_at: LocalTime | None = None
    closes_at: LocalTime | None = None
    timezone: ShortText | None = None
    notes: Text | None = None


class CorridorStatusSet(Schema):
    status: StatusT
    reason: Text = Field(..., min_length=1, max_length=2000)
    version: int | None = Field(None, ge=1)


class HazardWarning(Schema):
    hazard_id: int
    kind: str
    status: str
    classification: str
    verification: str = Field(..., description="'verified' or 'unverified'")
    since: DateTime
    location: dict[str, float]
    text: str = Field(..., description="e.g. 'mine reported at 36.2000, 37.1000, unverified, since 2026-12-06'")
    incident_ids: list[int] = Field(..., description="the incidents behind it that are verified and published")


class CorridorRead(Schema):
    id: int
    name: str
    name_ar: str
    geometry: dict[str, Any]
    direction: str
    eligible_groups: list[str]
    opens_at: str = Field(..., description="daily opening, HH:MM local time in `timezone`")
    closes_at: str = Field(..., description="daily closing, HH:MM local time; before opens_at means past midnight")
    timezone: str
    status: str
    status_at: str | None = Field(None, description="status at the requested time, when `at` was given")
    open_now: bool
    open_until: DateTime | None
    origin_id: int | None
    destination_id: int | None
    notes: str
    version: int
    checkpoints: list[CheckpointInline]
    hazards: list[HazardWarning] = Field([], description="hazards in force within the set distance (a warning)")


class CorridorDetail(CorridorRead):
    status_history: list[CorridorStatusChangeRead]


class StatusChangeFilters(Schema):
    corridor_id: DbId | None = None
    since: DateTime | None = Field(None, description="changes at or after this moment")
    until: DateTime | None = Field(None, description="changes before this moment")
    as_of: DateTime | None = Field(None, description="changes that had happened by this moment")


class StatusChangeItem(Schema):
    id: int
    corridor_id: int
    corridor: str
    status: str
    reason: str
    at: DateTime


class CorridorFilters(Schema):
    status: StatusT | None = None
    bbox: BBoxText | None = Field(None, description="min_lon,min_lat,max_lon,max_lat")
    at: DateTime | None = Field(None, description="report each corridor's status at this time")


class CheckpointCreate(Schema):
    corridor_id: DbId
    name: ShortText
    name_ar: ShortText = ""
    lon: Lon
    lat: Lat
    inspects_cargo: bool = False
    capacity_per_minute: float = Field(0, ge=0, le=100000, description="people per minute; 0 unknown")


class CheckpointUpdate(Schema):
    version: int = Field(..., ge=1)
    name: ShortText | None = None
    name_ar: ShortText | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    inspects_cargo: bool | None = None
    capacity_per_minute: float | None = Field(None, ge=0, le=100000)


class CheckpointRead(CheckpointInline):
    corridor_id: int
    corridor: str


class CheckpointFilters(Schema):
    corridor_id: DbId | None = None
    bbox: BBoxText | None = Field(None, description="min_lon,min_lat,max_lon,max_lat")
