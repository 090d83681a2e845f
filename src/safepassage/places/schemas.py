from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime, DbId, ShortText, Text
from safepassage.core.geometry import BBoxText


class PlaceCreate(Schema):
    kind: Literal["area", "site"]
    name: ShortText
    name_ar: ShortText = ""
    pcode: Text = Field("", max_length=30)
    site_type: Text = Field("", max_length=40)
    geometry: dict[str, Any]


class PlaceUpdate(Schema):
    version: int = Field(..., ge=1, description="the version you read; a stale one is refused with 409")
    name: ShortText | None = None
    name_ar: ShortText | None = None
    pcode: Text | None = Field(None, max_length=30)
    site_type: Text | None = Field(None, max_length=40)
    geometry: dict[str, Any] | None = None


class ControlRead(Schema):
    party_id: int | None
    party: str | None
    status: str
    observed_from: DateTime
    source: str


class PlaceRead(Schema):
    id: int
    kind: str
    name: str
    name_ar: str
    pcode: str
    site_type: str
    geometry: dict[str, Any]
    bbox: list[float]
    version: int
    control: ControlRead | None = None


class PlaceFilters(Schema):
    kind: Literal["area", "site"] | None = None
    site_type: ShortText | None = None
    bbox: BBoxText | None = Field(None, description="min_lon,min_lat,max_lon,max_lat")
    q: ShortText | None = Field(None, description="text in the name (Latin or Arabic)")
    at: DateTime | None = Field(None, description="show control as observed at this time (default now)")


class ControlCreate(Schema):
    party_id: DbId | None = None
    status: Literal["controlled", "contested", "unknown"] = "controlled"
    observed_from: DateTime
    source: Text = Field(..., max_length=300)
    note: Text = ""
