"""Input and output shapes of the incidents API."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime, Day, DbId, ShortText, Text
from safepassage.incidents.models import Verification

VerificationT = Literal[tuple(Verification.values)]  # type: ignore[valid-type]
TimePrecisionT = Literal["minute", "hour", "day", "month", "year", "unknown"]
SourceKindT = Literal["agency", "media", "monitor", "witness", "party_statement", "satellite_imagery"]
ConnectionT = Literal["victim", "witness", "reporter", "party"]
ReliabilityT = Literal["A", "B", "C", "D", "E", "F"]
Ids = list[DbId]


class IncidentCreate(Schema):
    title: ShortText = Field(..., min_length=1)
    description: Text = Field("", max_length=20000)
    categories: list[ShortText] = Field(..., min_length=1, max_length=20)
    geometry: dict[str, Any] | None = None
    location_precision_m: int | None = Field(None, ge=0, le=1_000_000)
    protected: bool = False
    public_precision_m: int = Field(1000, ge=100, le=100_000)
    time_earliest: DateTime | None = None
    time_latest: DateTime | None = None
    time_precision: TimePrecisionT = "unknown"
    people_affected: dict[ShortText, int] = Field(default_factory=dict)
    place_ids: Ids = Field(default_factory=list, max_length=200)
    corridor_ids: Ids = Field(default_factory=list, max_length=200)
    convoy_ids: Ids = Field(default_factory=list, max_length=200)
    pause_ids: Ids = Field(default_factory=list, max_length=200)


class IncidentUpdate(Schema):
    title: ShortText | None = Field(None, min_length=1)
    description: Text | None = Field(None, max_length=20000)
    categories: list[ShortText] | None = Field(None, min_length=1, max_length=20)
    geometry: dict[str, Any] | None = None
    location_precision_m: int | None = Field(None, ge=0, le=1_000_000)
    protected: bool | None = None
    public_precision_m: int | None = Field(None, ge=100, le=100_000)
    time_earliest: DateTime | None = None
    time_latest: DateTime | None = None
    time_precision: TimePrecisionT | None = None
    people_affected: dict[ShortText, int] | None = None
    place_ids: Ids | None = Field(None, max_length=200)
    corridor_ids: Ids | None = Field(None, max_length=200)
    convoy_ids: Ids | None = Field(None, max_length=200)
    pause_ids: Ids | None = Field(None, max_length=200)


class IncidentRead(Schema):
    id: int
    title: str
    description: str
    geometry: dict[str, Any] | None
    location_precision_m: int | None
    coarsened: bool
    protected: bool
    time_earliest: DateTime | None
    time_latest: DateTime | None
    time_precision: str
    categories: list[str]
    people_affected: dict[str, int]
    verification: str
    published: bool
    place_ids: list[int]
    corridor_ids: list[int]
    convoy_ids: list[int]
    pause_ids: list[int]


class SourceRead(Schema):
    id: int
    kind: str
    name: str
    statement: str
    obtained_at: DateTime | None
    obtained_where: str
    connection: str
    reliability: str
    credibility: int
    has_identity: bool
    claim_id: int | None


class AttributionRead(Schema):
    id: int
    party_id: int | None
    party: str
    source_id: int
    source_name: str
    verification: str


class CustodyEvent(Schema):
    event: str
    at: DateTime
    actor: str
    why: str
    to: str


class EvidenceRead(Schema):
    link_id: int
    file_id: int
    sha256: str
    size: int
    content_type: str
    original_name: str
    note: str
    added_at: DateTime
    integrity_failed_at: DateTime | None
    published_copy_sha256: str | None
    custody: list[CustodyEvent] = Field(default_factory=list, description="on the incident page only")


class DecisionRead(Schema):
    id: int
    attribution_id: int | None
    status: str
    note: str
    evidence_sha256: list[str]
    source_ids: list[int]
    decided_by: str
    decided_at: DateTime
    needs_confirmation: bool
    confirmed_by: str | None
    confirmed_at: DateTime | None
    confirmation_note: str


class IncidentDetail(IncidentRead):
    sources: list[SourceRead]
    attributions: list[AttributionRead]
    evidence: list[EvidenceRead]
    decisions: list[DecisionRead]
    public_image_ids: list[int]
    assigned_to: str | None


class IncidentFilters(Schema):
    verification: VerificationT | None = None
    category: ShortText | None = None
    corridor_id: DbId | None = None
    published: bool | None = None
    began_from: DateTime | None = Field(None, description="began at or after this moment (its earliest time, "
                                        "else when it was recorded)")
    began_to: DateTime | None = Field(None, description="began before this moment")
    as_of: DateTime | None = Field(None, description="only incidents recorded by this moment")


class SourceCreate(Schema):
    kind: SourceKindT
    name: ShortText = Field(..., min_length=1)
    statement: Text = Field(..., min_length=1, max_length=20000)
    obtained_at: DateTime | None = None
    obtained_where: ShortText = ""
    connection: ConnectionT
    reliability: ReliabilityT = "F"
    credibility: int = Field(6, ge=1, le=6)
    identity: Text = Field("", max_length=2000, description="a person's identity: stored encrypted, never shown")
    claim_id: DbId | None = None


class AttributionCreate(Schema):
    party_id: DbId | None = Field(None, description="null: unknown")
    source_id: DbId


class IdentityRead(Schema):
    purpose: Text = Field(..., min_length=1, max_length=500)


class IdentityOut(Schema):
    source_id: int
    identity: str


class Transfer(Schema):
    to: ShortText = Field(..., min_length=1)
    why: Text = Field(..., min_length=1, max_length=2000)


class TransferOut(Schema):
    file_id: int
    sha256: str


class Publication(Schema):
    published: bool


class TakeReview(Schema):
    takeover: bool = False


class QueueItem(Schema):
    id: int
    title: str
    categories: list[str]
    verification: str
    assigned_to: str | None
    assigned_at: DateTime | None
    awaiting_confirmation_of: int | None
    first_verifier: str | None


class QueueFilters(Schema):
    mine: bool = False


class DecisionCreate(Schema):
    status: VerificationT
    note: Text = Field(..., min_length=1, max_length=4000)
    evidence_ids: Ids = Field(default_factory=list, max_length=200, description="evidence file ids")
    source_ids: Ids = Field(default_factory=list, max_length=200)
    attribution_id: DbId | None = None


class Confirmation(Schema):
    note: Text = Field(..., min_length=1, max_length=4000)


class DownloadParams(Schema):
    why: Text = Field(..., min_length=1, max_length=2000)
    purpose: Literal["view", "export"] = "view"


# --- claims ------------------------------------------------------------------------------------

class ClaimCreate(Schema):
    summary: Text = Field(..., min_length=1, max_length=4000)
    quote: Text = Field("", max_length=20000)
    source_name: ShortText
    speaker: ShortText = ""
    source_url: Text = Field("", max_length=500)
    published_on: Day | None = None
    published_note: ShortText = ""
    category: Text = Field("", max_length=60)
    place_ids: list[DbId] = Field(default_factory=list, max_length=200)
    corridor_ids: list[DbId] = Field(default_factory=list, max_length=200)


class ClaimRead(Schema):
    id: int
    summary: str
    quote: str
    source_name: str
    speaker: str
    source_url: str
    published_on: Day | None
    published_note: str
    category: str
    verification: str
    verification_note: str
    place_ids: list[int]
    corridor_ids: list[int]


class ClaimFilters(Schema):
    verification: VerificationT | None = None
    corridor_id: DbId | None = None


class VerificationSet(Schema):
    verification: VerificationT
    note: Text = Field(..., min_length=1, max_length=4000)
