from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import Discriminator, Tag

from safepassage.core.api import DateTime, DbId, ShortText, Text
from safepassage.corridors.schemas import HazardWarning

PauseStatusT = Literal["proposed", "agreed", "active", "ended", "violated", "withdrawn"]


class PauseCreate(Schema):
    title: ShortText
    title_ar: ShortText = ""
    starts_at: DateTime = Field(..., description="timezone-aware, e.g. 2016-10-20T08:00:00+03:00")
    ends_at: DateTime
    place_ids: list[DbId] = Field(default_factory=list, max_length=500)
    corridor_ids: list[DbId] = Field(default_factory=list, max_length=500)
    party_ids: list[DbId] = Field(..., min_length=1, max_length=50)
    notes: Text = ""


class PauseUpdate(Schema):
    version: int = Field(..., ge=1, description="the version you read; a stale one is refused with 409")
    title: ShortText | None = None
    title_ar: ShortText | None = None
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    place_ids: list[DbId] | None = Field(None, max_length=500)
    corridor_ids: list[DbId] | None = Field(None, max_length=500)
    notes: Text | None = None


class ResponseRead(Schema):
    party_id: int
    party: str
    state: str
    at: DateTime | None
    by: str | None
    note: str


class PausePublic(Schema):
    """What anyone may read of a pause: its terms (window, scope) and status, nothing said by or to anyone."""

    id: int
    title: str
    title_ar: str
    starts_at: DateTime
    ends_at: DateTime
    status: str
    in_force_now: bool
    place_ids: list[int]
    corridor_ids: list[int]
    revision: int
    previous_id: int | None = Field(..., description="the withdrawn pause this revision proposes again")
    withdrawn_at: DateTime | None


class PauseForParty(PausePublic):
    """A liaison's view of a pause sent to their party: the terms, their own party's answer, who withdrew."""

    responses: list[ResponseRead] = Field(..., description="your own party's response only")
    withdrawn_by_party_id: int | None
    withdrawn_by_party: str | None


class PauseRead(PauseForParty):
    """Staff's view: every party's response, the withdrawal's reason, internal notes, the version to edit."""

    responses: list[ResponseRead]
    withdrawal_reason: str
    notes: str
    version: int


def _pause_view(value: Any) -> str:
    keys = value.keys() if isinstance(value, dict) else type(value).model_fields
    return "staff" if "notes" in keys else "party" if "responses" in keys else "public"


# Each principal gets one of these, chosen by the selector: a field a role may not read is absent, not null.
PauseView = Annotated[
    Annotated[PauseRead, Tag("staff")] | Annotated[PauseForParty, Tag("party")] | Annotated[PausePublic, Tag("public")],
    Discriminator(_pause_view),
]


class PausePage(Schema):
    items: list[PauseView]
    count: int


class PauseFilters(Schema):
    status: PauseStatusT | None = None
    at: DateTime | None = Field(None, description="pauses whose window contains this time")


class ResponseCreate(Schema):
    party_id: DbId
    state: Literal["accepted", "refused"]
    note: Text = Field("", max_length=2000)


class PauseRepropose(Schema):
    """A withdrawn pause proposed again; what is not given is copied (scope and parties always are)."""

    title: ShortText | None = None
    title_ar: ShortText | None = None
    starts_at: DateTime | None = Field(None, description="timezone-aware; default: the withdrawn pause's")
    ends_at: DateTime | None = None
    notes: Text | None = None


class PauseStatusSet(Schema):
    status: PauseStatusT
    reason: Text = Field("", max_length=2000)
    version: int | None = Field(None, ge=1)


class OpenCorridor(Schema):
    id: int
    name: str
    name_ar: str
    direction: str
    eligible_groups: list[str]
    open_until: DateTime
    pause_id: int | None
    pause_ends_at: DateTime | None
    hazards: list[HazardWarning] = Field([], description="hazards in force near the corridor: a public warning")


class OpenPause(Schema):
    id: int
    title: str
    title_ar: str
    status: str
    starts_at: DateTime
    ends_at: DateTime


class OpenNow(Schema):
    at: DateTime
    corridors: list[OpenCorridor]
    pauses: list[OpenPause]


class OpenNowParams(Schema):
    at: DateTime | None = Field(None, description="ask about another moment (default: now)")
