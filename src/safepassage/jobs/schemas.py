from typing import Any, Literal

from ninja import Schema

from safepassage.core.api import DateTime

StatusT = Literal["queued", "running", "succeeded", "failed"]


class JobProgress(Schema):
    done: int
    total: int
    message: str


class JobRead(Schema):
    id: int
    kind: str
    status: StatusT
    progress: JobProgress
    result: dict[str, Any] | None
    error: str
    created_by: str | None
    created_at: DateTime
    started_at: DateTime | None
    finished_at: DateTime | None


class JobFilters(Schema):
    kind: str | None = None
    status: StatusT | None = None
