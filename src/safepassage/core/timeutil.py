"""Timezone-aware UTC time only."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from safepassage.core.errors import InvalidInput


def now() -> datetime:
    return datetime.now(UTC)


def operation_zone() -> ZoneInfo:
    """The operation's local time zone (setting OPERATION_TIME_ZONE, env SAFEPASSAGE_TIME_ZONE)."""
    return ZoneInfo(settings.OPERATION_TIME_ZONE)


def operation_zone_name() -> str:
    return settings.OPERATION_TIME_ZONE


def require_aware(value: datetime, field: str) -> datetime:
    """Refuse naive datetimes: a time without a zone is ambiguous across a front line."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("a timezone is required (for example 2016-10-20T08:00:00+03:00)", field=field)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput("date is out of the supported range", field=field) from exc
