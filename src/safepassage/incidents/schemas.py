"""Schemas of claims: input, output, filters."""

from datetime import date
from typing import Literal

from ninja import Field, Schema

from safepassage.core.api import DbId, ShortText, Text
from safepassage.incidents.models import Verification

VerificationT = Literal[tuple(Verification.values)]  # type: ignore[valid-type]


class ClaimCreate(Schema):
    summary: Text = Field(..., min_length=1, max_length=4000)
    quote: Text = Field("", max_length=20000)
    source_name: ShortText
    speaker: ShortText = ""
    source_url: Text = Field("", max_length=500)
    published_on: date | None = None
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
    published_on: date | None
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
