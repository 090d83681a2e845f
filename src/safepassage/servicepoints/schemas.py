from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StrictFloat, StrictInt

from safepassage.core.api import DateTime, DbId, ShortText, Text, TimeOfDay
from safepassage.core.geometry import Lat, Lon
from safepassage.core.timeutil import WallTime, operation_zone_name

KindT = Literal["meal_station", "first_aid", "reception_centre"]

# Stock units per person: a finite number (never `true`), not below zero.
Units = Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]


class ServicePointCreate(Schema):
    name: ShortText
    name_ar: ShortText = ""
    kind: KindT
    place_id: DbId
    corridor_id: DbId = Field(..., description="the corridor whose exit this point serves")
    arrival_direction: Literal["out", "in"] = "out"
    lon: Lon | None = Field(None, description="defaults to the centre of the place")
    lat: Lat | None = None
    capacity_per_hour: StrictInt = Field(..., ge=0, le=1_000_000)
    capacity_per_day: StrictInt = Field(..., ge=0, le=10_000_000)
    opens_at: WallTime
    closes_at: WallTime
    timezone: ShortText = Field(default_factory=operation_zone_name)
    units_per_person: dict[ShortText, Units] = Field(default_factory=dict,
                                               description="stock item -> units one arriving person uses")
    notes: Text = ""


class ServicePointUpdate(Schema):
    version: int = Field(..., ge=1)
    name: ShortText | None = None
    name_ar: ShortText | None = None
    kind: KindT | None = None
    arrival_direction: Literal["out", "in"] | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    capacity_per_hour: StrictInt | None = Field(None, ge=0, le=1_000_000)
    capacity_per_day: StrictInt | None = Field(None, ge=0, le=10_000_000)
    opens_at: WallTime | None = None
    closes_at: WallTime | None = None
    timezone: ShortText | None = None
    units_per_person: dict[ShortText, Units] | None = None
    notes: Text | None = None


class ServicePointRead(Schema):
    id: int
    name: str
    name_ar: str
    kind: str
    place_id: int
    place: str
    corridor_id: int
    corridor: str
    arrival_direction: str
    lon: float
    lat: float
    capacity_per_hour: int
    capacity_per_day: int
    opens_at: TimeOfDay
    closes_at: TimeOfDay
    timezone: str
    units_per_person: dict[str, float]
    stock: dict[str, int]
    notes: str
    version: int


class ServicePointFilters(Schema):
    corridor_id: DbId | None = None
    kind: KindT | None = None


class StockCreate(Schema):
    item: Text = Field(..., max_length=40, description="a short code such as meal, water_litre, first_aid_kit")
    kind: Literal["received", "issued", "adjusted"]
    quantity: StrictInt = Field(..., description="positive for received and issued; signed for adjusted")
    reason: Text = Field(..., max_length=2000)
    at: DateTime | None = None


class StockRead(Schema):
    id: int
    service_point_id: int
    item: str
    kind: str
    delta: int
    balance_after: int
    reason: str
    at: DateTime
    recorded_by: str | None


class StockFilters(Schema):
    item: ShortText | None = None


class ServedCreate(Schema):
    hour_start: DateTime
    people: int = Field(..., ge=0, le=10_000_000)
    version: int | None = Field(None, ge=1, description="the version you read, to change a recorded hour")


class ServedRead(Schema):
    id: int
    service_point_id: int
    hour_start: DateTime
    people: int
    version: int


class ServedFilters(Schema):
    service_point_id: DbId | None = None
    since: DateTime | None = Field(None, description="hours starting at or after this moment")
    until: DateTime | None = Field(None, description="hours starting before this moment")
    as_of: DateTime | None = Field(None, description="only hours recorded by this moment")
    sum_of: Literal["people"] | None = Field(None, description="also answer `sum`: the people over every match")


class ServedPage(Schema):
    items: list[ServedRead]
    count: int
    sum_of: str | None = None
    sum: int | None = None


class KindLoad(Schema):
    kind: str
    points: int
    capacity_per_day: int
    capacity_per_hour: int
    load: float | None = Field(None, description="arrivals in 24 hours / capacity per day")
    level: str


class StockLevel(Schema):
    item: str
    balance: int
    issued_24h: int
    need_24h: float
    rate_per_day: float
    days_left: float | None
    level: str


class PointPicture(Schema):
    id: int
    name: str
    kind: str
    lon: float
    lat: float
    place_id: int
    capacity_per_hour: int
    capacity_per_day: int
    served_last_hour: int
    served_24h: int
    arrivals_share_24h: float
    stock: list[StockLevel]
    level: Literal["ok", "warning", "critical"]
    warnings: list[str]
    name_ar: str
    place: str
    load_level: Literal["ok", "warning", "critical"] = Field(
        ..., description="arrivals against the capacity of this kind of point at its exit (the kind's level)")
    load_warnings: list[str] = Field(..., description="the load warnings of this kind of point at its exit")
    stock_level: Literal["ok", "warning", "critical"] = Field(
        ..., description="the worst level of this point's stock items (days left at the current rate)")
    out_of_stock: list[str] = Field(..., description="stock items with nothing left")


class ExitPicture(Schema):
    corridor_id: int
    corridor: str
    corridor_ar: str = ""
    direction: str
    arrivals_last_hour: int
    arrivals_24h: int
    kinds: list[KindLoad]
    service_points: list[PointPicture]
    level: Literal["ok", "warning", "critical"]
    warnings: list[str]


class ExitParams(Schema):
    at: DateTime | None = Field(None, description="the picture at this time; now when omitted")
    corridor_id: DbId | None = None
