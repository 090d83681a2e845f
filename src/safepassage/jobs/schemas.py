from datetime import datetime
from typing import Any, Literal

from ninja import Schema

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
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobFilters(Schema):
    kind: str | None = None
    status: StatusT | None = None
