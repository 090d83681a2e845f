from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime, Day, DbId, ShortText, Text

KindT = Literal["local_ceasefire", "reconciliation", "evacuation", "other"]
StatusT = Literal["signed", "in_force", "suspended", "breached", "lapsed", "terminated"]
RoleT = Literal["party", "guarantor", "witness", "mediator"]
MetricT = Literal["signed_total", "signed_last_24h", "in_force"]
MOMENT = ("a date and time with its zone, or a date alone (00:00 in the operation's time zone, SAFEPASSAGE_TIME_ZONE)")


class PlaceRef(Schema):
    id: int
    name: str
    name_ar: str
    pcode: str
    population: int | None
    population_source: str
    population_as_of: Day | None


class AgreementStatusChangeRead(Schema):
    status: str
    from_: DateTime = Field(..., alias="from")
    source: str
    note: str
    recorded_by: str | None = Field(None, description="shown to staff only")
    recorded_at: DateTime


class PartyRoleRead(Schema):
    party_id: int
    party: str
    role: str


class AgreementRead(Schema):
    id: int
    name: str
    kind: str
    place: PlaceRef
    signed_at: DateTime
    status: str | None = Field(..., description="the latest status at the requested moment (now by default)")
    status_history: list[AgreementStatusChangeRead]
    parties: list[PartyRoleRead]
    terms: str
    notes: str
    area_ids: list[int]
    corridor_ids: list[int]
    version: int


class PartyRoleIn(Schema):
    party_id: DbId
    role: RoleT = "party"


class AgreementCreate(Schema):
    place_id: DbId = Field(..., description="a place registered as a community")
    name: ShortText = Field(..., min_length=1)
    kind: KindT
    signed_at: ShortText = Field(..., description=MOMENT, examples=["2016-10-20", "2016-10-20T14:30:00+03:00"])
    source: Text = Field(..., min_length=1, max_length=300)
    terms: Text = ""
    notes: Text = ""
    parties: list[PartyRoleIn] = Field([], max_length=50)
    area_ids: list[DbId] = Field([], max_length=500)
    corridor_ids: list[DbId] = Field([], max_length=100)


class AgreementStatusSet(Schema):
    status: StatusT
    from_: ShortText = Field(..., alias="from", description=MOMENT)
    source: Text = Field(..., min_length=1, max_length=300)
    note: Text = ""
    version: int | None = Field(None, ge=1)


class AgreementFilters(Schema):
    place_id: DbId | None = None
    kind: KindT | None = None
    at: DateTime | None = Field(None, description="report each agreement's status at this moment (default now)")
    tally: Literal["signed_total", "signed_last_24h", "in_force"] | None = Field(
        None, description="one agreement per community counted in this tally at `at`: their count is the tally")
    as_of: DateTime | None = Field(None, description="only what was recorded by this moment")


class ClaimBesideRead(Schema):
    party: str
    metric: str
    claimed: int = Field(..., description="the party's own figure, as stated")
    as_of: DateTime
    source: str
    quote: str
    recorded: int = Field(..., description="the registry's own figure for the same metric at `as_of`")
    difference: int = Field(..., description="claimed minus recorded")


class TallyRead(Schema):
    at: DateTime
    signed_total: int
    signed_last_24h: int
    in_force: int
    claims: list[ClaimBesideRead]


class TallyParams(Schema):
    at: DateTime | None = Field(None, description="the moment (default now); with its zone")


class TallyClaimCreate(Schema):
    party_id: DbId
    metric: MetricT = "signed_total"
    claimed: int = Field(..., ge=0, le=10_000_000)
    as_of: ShortText = Field(..., description=MOMENT)
    source: Text = Field(..., min_length=1, max_length=300)
    quote: Text = ""
