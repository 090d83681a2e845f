"""Timezone-aware UTC time only."""

from __future__ import annotations

from datetime import UTC, datetime

from safepassage.core.errors import InvalidInput


def now() -> datetime:
    return datetime.now(UTC)


def require_aware(value: datetime, field: str) -> datetime:
    """Refuse naive datetimes: a time without a zone is ambiguous across a front line."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("a timezone is required (for example 2016-10-20T08:00:00+03:00)", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput("date is out of the supported range", field=field) from exc
