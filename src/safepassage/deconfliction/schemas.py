from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from safepassage.core.api import DateTime, DbId, ShortText, Text

KindT = Literal["convoy", "evacuation", "static_site"]
NotificationStateT = Literal["active", "superseded", "withdrawn"]


class AnswerRead(Schema):
    party_id: int
    party: str
    state: str = Field(..., description="pending, acknowledged, refused or no_answer (pending past the deadline)")
    at: DateTime | None
    by: str | None
    reason: str
    conditions: str = ""


class NotificationRead(Schema):
    id: int
    series: str
    revision: int
    supersedes_id: int | None
    superseded_by_id: int | None
    kind: str
    convoy_id: int | None
    site_id: int | None
    title: str
    title_ar: str
    description: str
    who: str
    geometry: dict[str, Any]
    starts_at: DateTime
    ends_at: DateTime | None
    sent_at: DateTime
    deadline: DateTime
    state: str
    state_reason: str
    renotify_reason: str = Field("", description="why this movement must be notified again (e.g. a new hazard)")
    renotify_flagged_at: DateTime | None = None
    answers: list[AnswerRead]
    missing: list[str] = Field(..., description="required parties that have not acknowledged")
    cleared: bool = Field(..., description="every required party acknowledged this (active) revision")
    notice_hours: float = Field(..., description="hours between sending and the start")
    short_notice: bool = Field(..., description="a movement notified less than 48 hours ahead (practice: 48 h, "
                                                "24 h in emergencies)")
    version: int


class NotificationCreate(Schema):
    kind: Literal["evacuation", "static_site"] = Field(
        ..., description="convoys are notified through POST /api/convoys/{id}/notify")
    site_id: DbId | None = None
    title: ShortText
    title_ar: ShortText = ""
    description: Text = Field("", max_length=5000)
    who: ShortText
    geometry: dict[str, Any] | None = Field(
        None, description="GeoJSON line (movement) or point/polygon (site); a site defaults to its own geometry")
    starts_at: DateTime
    ends_at: DateTime | None = None
    deadline: DateTime
    party_ids: list[DbId] = Field(..., min_length=1, max_length=50)


class Renotify(Schema):
    reason: Text = Field(..., min_length=1, max_length=2000)
    deadline: DateTime
    title: ShortText | None = None
    title_ar: ShortText | None = None
    description: Text | None = Field(None, max_length=5000)
    who: ShortText | None = None
    geometry: dict[str, Any] | None = None
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    party_ids: list[DbId] | None = Field(None, min_length=1, max_length=50)


class Withdraw(Schema):
    reason: Text = Field(..., min_length=1, max_length=2000)


class AnswerCreate(Schema):
    state: Literal["acknowledged", "refused"]
    reason: Text = Field("", max_length=2000)
    conditions: Text = Field("", max_length=2000, description="conditions attached to an acknowledgement "
                                                                "(for example: no armed escort)")
    revision: int | None = Field(None, ge=1, le=1_000_000, description="the revision you read")
    party_id: DbId | None = Field(None, description="your own party (default)")


class NotificationFilters(Schema):
    kind: KindT | None = None
    state: NotificationStateT | None = None
    convoy_id: DbId | None = None


class DeadlineSweep(Schema):
    notification_id: DbId | None = None


class DeadlineSweepResult(Schema):
    recorded: int
