"""Inputs and outputs of the bulletin routes."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime


class BulletinParams(Schema):
    tz: str | None = Field(None, max_length=64, description="IANA time zone of the day; the operation's by default")
    as_of: DateTime | None = Field(None, description="build from the records as they stood then; now by default")
    audience: Literal["public", "internal"] | None = Field(
        None, description="staff may ask for the public version; others always get it")


class RecordsParams(BulletinParams):
    as_of: DateTime = Field(..., description="the bulletin's built_at: the records as they stood then")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class FigureRead(Schema):
    key: str
    label: str
    value: int | float
    records: str | None
    note: str | None = None
    sum_of: str | None = None
    records_sha256: str
    previous: int | float | None = None
    difference: int | float | None = None


class SectionRead(Schema):
    key: str
    title: str
    figures: list[FigureRead]
    details: list[dict[str, Any]]


class AuditHeadRead(Schema):
    seq: int
    hash: str | None


class BulletinRead(Schema):
    date: str
    tz: str
    audience: str
    built_at: str = Field(..., description="ISO 8601, to the microsecond: the as_of of every records link")
    window: dict[str, str]
    audit_head: AuditHeadRead
    illustrative: bool = Field(False, description="true when the figures come from the demo's invented records")
    hazards: Any = None
    sections: list[SectionRead]


class RecordsRead(Schema):
    key: str
    as_of: str
    count: int
    sum_of: str | None = None
    sum: int | float | None = None
    records_sha256: str
    items: list[dict[str, Any]]


class EditionFile(Schema):
    sha256: str
    size: int
    url: str


class EditionRead(Schema):
    id: int
    day: str
    tz: str
    audience: str
    built_at: str
    audit_seq: int
    audit_hash: str | None
    published_at: str
    files: dict[str, EditionFile]


class PublishParams(Schema):
    tz: str | None = Field(None, max_length=64)


class JobStarted(Schema):
    job_id: int
    status: str
