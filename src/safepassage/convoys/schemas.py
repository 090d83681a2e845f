from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime, DbId, ShortText, Text
from safepassage.core.geometry import Lat, Lon

StatusT = Literal["planned", "notified", "cleared", "departed", "arrived", "delivered", "aborted", "returned"]
# Quantities are taken as given (number or text) and checked line by line in the service,
# so a bad value is named by its field (manifest.2.quantity) rather than refused wholesale.
Amount = float | int | ShortText | None


class ManifestLineIn(Schema):
    item: Any = Field(..., description="item name")
    category: Any = Field(..., description="food, medical, shelter, wash or fuel")
    quantity: Amount = Field(..., description="a positive number")
    unit: Any = Field(..., description="kg, t, l, m3, piece, box, carton, bag, pallet, kit, dose, roll")
    weight_kg: Amount = Field(..., description="gross weight of the line in kilograms")


# Texts kept in shorter columns than ShortText's 200 characters are limited to what the column keeps.
SealNumber = Annotated[Text, Field(max_length=60)]


class VehicleIn(Schema):
    plate: Text = Field(..., max_length=30)
    vehicle_type: Text = Field(..., max_length=60)
    markings: ShortText = ""
    driver_names: list[ShortText] = Field(default_factory=list, max_length=10,
                                          description="restricted personal data")


class ConvoyCreate(Schema):
    title: ShortText
    organisation_id: DbId
    origin_id: DbId
    destination_id: DbId
    destination_service_point_id: DbId | None = Field(None, description="a service point at the destination")
    destination_note: ShortText = ""
    corridor_id: DbId
    route: dict[str, Any] | None = Field(None, description="GeoJSON LineString; default: the corridor's route")
    direction: Literal["in", "out"] = "in"
    planned_departure: DateTime
    planned_arrival: DateTime
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=100)
    manifest: list[ManifestLineIn] = Field(default_factory=list, max_length=500)
    notes: Text = Field("", max_length=5000)


class ConvoyUpdate(Schema):
    version: int = Field(..., ge=1, description="the version you read; a stale one is refused with 409")
    title: ShortText | None = None
    destination_note: ShortText | None = None
    notes: Text | None = Field(None, max_length=5000)
    route: dict[str, Any] | None = None
    corridor_id: DbId | None = None
    planned_departure: DateTime | None = None
    planned_arrival: DateTime | None = None
    notification_deadline: DateTime | None = Field(
        None, description="needed when the route or time of a notified convoy changes: it is re-notified")


class ManifestSet(Schema):
    version: int = Field(..., ge=1)
    lines: list[ManifestLineIn] = Field(..., max_length=500)


class VehiclesSet(Schema):
    version: int = Field(..., ge=1)
    vehicles: list[VehicleIn] = Field(..., max_length=100)
    notification_deadline: DateTime | None = Field(
        None, description="needed when the vehicles of a notified convoy change: it is re-notified")


class NotifyConvoy(Schema):
    deadline: DateTime
    party_ids: list[DbId] | None = Field(None, min_length=1, max_length=50,
                                         description="required on the first notification")
    reason: Text = Field("re-notified", max_length=2000)


class StatusSet(Schema):
    status: StatusT
    reason: Text = Field("", max_length=2000)
    at: DateTime | None = Field(None, description="when it happened (default now; never in the future)")
    version: int | None = Field(None, ge=1)
    override_reason: Text | None = Field(None, max_length=2000, description=(
        "a coordinator's written reason for recording a movement outside the agreed pause or the corridor's "
        "status or hours"))


class DiscrepancyIn(Schema):
    item: ShortText
    expected: Text = Field(..., max_length=100)
    found: Text = Field(..., max_length=100)


class InspectionCreate(Schema):
    result: Literal["cleared", "cleared_with_remarks", "refused"]
    no_weapons_attested: bool = Field(..., description="no weapons, ammunition or military equipment were found")
    items_checked: list[int] = Field(default_factory=list, max_length=500,
                                     description="manifest line numbers checked")
    seals: list[SealNumber] = Field(default_factory=list, max_length=200)
    discrepancies: list[DiscrepancyIn] = Field(default_factory=list, max_length=500)
    remarks: Text = Field("", max_length=5000)
    at: DateTime | None = None
    checkpoint_id: DbId | None = None
    place_id: DbId | None = None


class SealFound(Schema):
    number: SealNumber
    intact: bool


class SealCheck(Schema):
    found: list[SealFound] = Field(..., max_length=200)
    at: DateTime | None = None


class SealRead(Schema):
    number: str
    state: str


class SealCheckResult(Schema):
    seals: list[SealRead]
    unexpected: list[str]
    alert: bool


class PositionCreate(Schema):
    lon: Lon
    lat: Lat
    at: DateTime | None = None
    checkpoint_id: DbId | None = None
    note: Text = Field("", max_length=2000)
    override_reason: Text | None = Field(None, max_length=2000, description=(
        "a coordinator's written reason for recording a movement outside the agreed pause or the corridor's "
        "status or hours"))


class ReceiptLineIn(Schema):
    line_no: int = Field(..., ge=1, le=10_000)
    quantity_received: Amount = None
    note: Text = Field("", max_length=2000)


class DeliveryCreate(Schema):
    received_by: ShortText
    received_at: DateTime | None = None
    lines: list[ReceiptLineIn] = Field(..., max_length=500)
    remarks: Text = Field("", max_length=5000)
    override_reason: Text | None = Field(None, max_length=2000, description=(
        "a coordinator's written reason for recording a movement outside the agreed pause or the corridor's "
        "status or hours"))


class ConvoyIncidentCreate(Schema):
    kind: Literal["violence_against_personnel_assets", "hostilities", "restriction_of_movement",
                  "interference_in_implementation", "mines_ied_uxo", "physical_constraints"]
    description: Text = Field(..., min_length=1, max_length=5000)
    at: DateTime
    lon: Lon | None = None
    lat: Lat | None = None


class ConvoyFilters(Schema):
    status: StatusT | None = None
    departs_from: DateTime | None = None
    departs_before: DateTime | None = None


# ------------------------------------------------------------------ reads


class ManifestPreviewLine(Schema):
    row: int = Field(..., description="the row of the file (the header is row 1)")
    item: str
    category: str
    quantity: Decimal
    unit: str
    weight_kg: Decimal


class ManifestPreview(Schema):
    number_format: str
    lines: list[ManifestPreviewLine]
    total_weight_kg: Decimal


class ManifestLineRead(Schema):
    line_no: int
    item: str
    category: str
    quantity: Decimal
    unit: str
    weight_kg: Decimal


class VehicleRead(Schema):
    plate: str
    vehicle_type: str
    markings: str
    driver_names: list[str] | None = Field(None, description="shown only to planners; every read is logged")


class DiscrepancyRead(Schema):
    item: str
    expected: str
    found: str


class InspectionRead(Schema):
    id: int
    inspector: str
    at: DateTime
    checkpoint_id: int | None
    place_id: int | None
    result: str
    remarks: str
    no_weapons_attested: bool
    items_checked: list[int]
    manifest_version: int
    current: bool = Field(..., description="made against the current manifest")
    seals: list[SealRead]
    discrepancies: list[DiscrepancyRead]


class AnswerBrief(Schema):
    party_id: int
    party: str
    state: str
    at: DateTime | None
    reason: str
    conditions: str = ""


class NotificationBrief(Schema):
    id: int
    revision: int
    deadline: DateTime
    answers: list[AnswerBrief]
    missing: list[str]


class ConvoyStatusChangeRead(Schema):
    from_status: str
    status: str
    reason: str
    at: DateTime
    by: str | None


class PositionRead(Schema):
    at: DateTime
    lon: float
    lat: float
    checkpoint_id: int | None
    note: str


class ReceiptLineRead(Schema):
    line_no: int
    item: str
    unit: str
    expected: Decimal
    received: Decimal
    difference: Decimal
    discrepancy: bool
    note: str


class ReceiptRead(Schema):
    received_at: DateTime
    received_by: str
    remarks: str
    lines: list[ReceiptLineRead]
    has_discrepancies: bool


class ConvoyIncidentRead(Schema):
    id: int = Field(..., description="the incident's id in the incidents app (/api/incidents/{id})")
    kind: str = Field(..., description="the convoy route's kind, else the incident's first category")
    categories: list[str]
    title: str
    at: DateTime = Field(..., description="when it happened (the earliest time known), else when it was recorded")
    description: str
    lon: float | None
    lat: float | None
    verification: str
    published: bool


class ConvoyRead(Schema):
    id: int
    reference: str
    title: str
    organisation_id: int
    organisation: str
    origin_id: int
    destination_id: int
    destination_service_point_id: int | None = None
    destination_note: str
    corridor_id: int
    corridor: str
    route: dict[str, Any]
    direction: str
    planned_departure: DateTime
    planned_arrival: DateTime
    pause_id: int | None
    status: str
    status_reason: str
    allowed_next: list[str]
    cleared_to_move: bool
    clearance_problems: list[str]
    manifest_version: int
    manifest: list[ManifestLineRead]
    vehicles: list[VehicleRead]
    inspection_state: str
    inspections: list[InspectionRead]
    notification: NotificationBrief | None
    seal_alert: bool
    position: PositionRead | None
    notes: str
    version: int


class OverrideRead(Schema):
    event: str
    at: DateTime
    problems: list[str]
    reason: str
    by: str | None
    recorded_at: DateTime


class ConvoyDetail(ConvoyRead):
    status_history: list[ConvoyStatusChangeRead]
    overrides: list[OverrideRead]
    positions: list[PositionRead]
    receipt: ReceiptRead | None
    incidents: list[ConvoyIncidentRead]


class BoardItem(Schema):
    id: int
    reference: str
    title: str
    status: str
    planned_departure: DateTime
    planned_arrival: DateTime
    today: bool
    corridor: str
    origin: str
    destination: str
    notification_id: int | None
    notification_revision: int | None
    missing_acknowledgements: list[str]
    inspection: str
    seal_alert: bool
    lon: float | None
    lat: float | None
    position_at: DateTime | None
    overrides: list[OverrideRead]


class Board(Schema):
    at: DateTime
    items: list[BoardItem]
