from __future__ import annotations

from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictInt

from safepassage.core.api import DateTime, Day, DbId, ShortText, Text
from safepassage.core.timeutil import operation_zone_name

DirectionT = Literal["out", "in"]
# A whole number (never `true`, 1.5 or "3"); its range is checked in the service, naming the field.
Count = StrictInt


class Counts(Schema):
    women: Count = 0
    men: Count = 0
    children: Count = Field(0, description="under 18")
    older_people: Count = 0
    persons_with_disabilities: Count = Field(0, description="of whom, among the civilians above")
    wounded: Count = 0
    sick: Count = 0
    leaving_armed_groups_unarmed: Count = Field(0, description="persons leaving armed groups without weapons")
    leaving_armed_groups_armed: Count = Field(0, description="persons leaving armed groups with weapons")
    weapons_handed_over: Count = Field(0, description="number of weapons handed over")


class CrossingCountCreate(Counts):
    client_uuid: UUID = Field(..., description="generated on the device; retries send the same one")
    checkpoint_id: DbId
    direction: DirectionT
    bucket_start: DateTime
    bucket_minutes: StrictInt = Field(60, description="5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720 or 1440")
    supersedes_uuid: UUID | None = Field(None, description="the submission this one corrects")
    note: Text = Field("", max_length=2000)


class BatchCreate(Schema):
    items: list[CrossingCountCreate] = Field(..., min_length=1, max_length=500)


class ErrorItemRead(Schema):
    field: str
    reason: str


class BatchItemRead(Schema):
    index: int
    client_uuid: str
    status: Literal["stored", "duplicate", "refused"]
    id: int | None = None
    flags: list[dict[str, str]] = []
    detail: str | None = None
    errors: list[ErrorItemRead] = []


class BatchRead(Schema):
    stored: int
    duplicates: int
    refused: int
    results: list[BatchItemRead]


class Flag(Schema):
    code: str
    reason: str


class PublishedCountRead(Counts):
    """A count as anyone may read it (the bulletin's figures): no notes, flags nor who sent it."""

    id: int
    version: int
    checkpoint_id: int
    checkpoint: str
    corridor_id: int
    direction: str
    bucket_start: DateTime
    bucket_minutes: int
    total_persons: int
    received_at: DateTime


class CrossingCountRead(PublishedCountRead):
    """A count with what staff need to review it: its identifiers, flags, notes and who sent it."""

    client_uuid: UUID
    supersedes_uuid: UUID | None
    is_current: bool
    flags: list[Flag]
    review_status: str
    review_note: str
    note: str
    source: str
    submitted_by: str | None
    duplicate: bool = Field(False, description="true when this was a retry of a stored submission")


class CrossingCountDetail(CrossingCountRead):
    history: list[CrossingCountRead]


SumOfT = Literal["women", "men", "children", "older_people", "persons_with_disabilities", "wounded", "sick",
                 "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over", "total_persons"]


class CrossingCountFilters(Schema):
    checkpoint_id: DbId | None = None
    corridor_id: DbId | None = None
    direction: Literal["in", "out"] | None = None
    since: DateTime | None = Field(None, description="buckets starting at or after this moment")
    until: DateTime | None = Field(None, description="buckets starting before this moment")
    review_status: Literal["not_needed", "pending", "confirmed", "rejected"] | None = None
    current_only: bool = True
    as_of: DateTime | None = Field(None, description="the counted figures as they stood then: received by then, "
                                   "not replaced by a correction received by then, not rejected")
    sum_of: SumOfT | None = Field(None, description="also answer `sum`: this group added up over every match")


class CrossingCountPage(Schema):
    items: list[CrossingCountRead] | list[PublishedCountRead]
    count: int
    sum_of: str | None = None
    sum: int | None = None


class ReviewCreate(Schema):
    decision: Literal["confirmed", "rejected"]
    note: Text = Field("", max_length=2000)


class SummaryParams(Schema):
    day: Day | None = Field(None, description="local calendar day; today when omitted")
    tz: ShortText = Field(default_factory=operation_zone_name)


class GroupTotals(Counts):
    total_persons: int
    records: int
    pending_review: int


class CorridorDirectionTotals(GroupTotals):
    corridor_id: int
    corridor: str
    corridor_ar: str = ""
    direction: str


class CrossingSummary(Schema):
    day: Day
    tz: str
    since: DateTime
    until: DateTime
    rows: list[CorridorDirectionTotals]
    overall: GroupTotals
    pending_review_records: int


AgeBandT = Literal["0-4", "5-11", "12-17", "18-59", "60+", "unknown"]
SexT = Literal["female", "male", "unknown"]
TriageT = Literal["immediate", "urgent", "delayed", "expectant"]
MedevacStatusT = Literal["waiting", "moved", "handed_over", "died_en_route"]


class MedevacCreate(Schema):
    client_uuid: UUID = Field(..., description="generated on the device; retries send the same one")
    age_band: AgeBandT
    sex: SexT
    triage: TriageT
    condition_summary: Text = Field("", max_length=2000, description="medical; visible to the medical role only")
    origin_id: DbId | None = None
    corridor_id: DbId | None = None
    receiving_facility_id: DbId | None = None
    full_name: Text = Field("", max_length=300, description="optional; encrypted; medical role only")
    identifying_details: Text = Field("", max_length=2000, description="optional; encrypted; medical role only")
    legal_basis: Literal["vital_interest", "public_interest", "consent", "legitimate_interest"] = "vital_interest"
    at: DateTime | None = None


class MedevacEventRead(Schema):
    status: str
    at: DateTime
    note: str | None = Field(None, description="medical role only")
    outside_agreement: list[str] = Field([], description="why this movement fell outside the corridor's status "
                                                         "or hours (recorded by a coordinator's override)")
    override_reason: str = Field("", description="the coordinator's written reason for the override")


class MedevacRead(Schema):
    id: int
    case_number: str
    age_band: str
    sex: str
    triage: str
    condition_summary: str | None = Field(None, description="medical role only")
    origin_id: int | None
    corridor_id: int | None
    receiving_facility_id: int | None
    status: str
    status_at: DateTime
    has_identifying: bool
    identifying_purged_at: DateTime | None
    version: int
    timeline: list[MedevacEventRead]
    duplicate: bool = False


class MedevacFilters(Schema):
    status: MedevacStatusT | None = None
    corridor_id: DbId | None = None
    triage: TriageT | None = None


class MedevacStatusSet(Schema):
    status: MedevacStatusT
    at: DateTime | None = Field(None, description="when it happened (default now; never in the future)")
    note: Text = Field("", max_length=2000)
    override_reason: Text | None = Field(None, max_length=2000, description=(
        "a coordinator's written reason for recording a movement outside the corridor's status or hours"))
    version: int | None = Field(None, ge=1)


class IdentifyingParams(Schema):
    purpose: ShortText = Field(..., min_length=1, description="why you need the identity; kept in the audit log")


class IdentifyingRead(Schema):
    case_number: str
    full_name: str
    identifying_details: str
    identifying_purged_at: DateTime | None
    legal_basis: str


class MedevacCounts(Schema):
    by_status: dict[str, int]
    by_triage: dict[str, int]
    total: int


class PurgeCreate(Schema):
    older_than_days: int | None = Field(None, ge=0, le=36500,
                                        description="default: SAFEPASSAGE_MEDEVAC_RETENTION_DAYS (30)")


class PurgeRead(Schema):
    purged: list[str]


class DashboardPoint(Schema):
    id: int
    name: str
    kind: str
    lon: float
    lat: float
    level: str
    warnings: list[str]


class Dashboard(Schema):
    generated_at: DateTime
    crossings: CrossingSummary
    exits: list[dict] | None = Field(None, description="per corridor exit (servicepoints.view)")
    medevac: MedevacCounts | None = Field(None, description="counts only (medevac.view)")
    checkpoints: list[dict]
