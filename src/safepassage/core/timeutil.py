"""Timezone-aware UTC time only."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from django.conf import settings
from pydantic import AfterValidator

from safepassage.core.errors import InvalidInput

# Times outside these years are refused: nothing this product records is that far away, and a time
# near the end (or start) of the calendar overflows as soon as a day or a window is added to it.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


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
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(_OUT_OF_RANGE, field=field) from exc
    if not EARLIEST <= value < LATEST:
        raise InvalidInput(_OUT_OF_RANGE, field=field)
    return value


FUTURE_TOLERANCE = timedelta(minutes=1)  # a device clock a little ahead


def event_time(at: datetime | None, field: str) -> datetime:
    """When the event happened: now by default, never in the future."""
    at = require_aware(at, field) if at is not None else now()
    if at > now() + FUTURE_TOLERANCE:
        raise InvalidInput("the time the event happened cannot be in the future", field=field)
    return at


_OUT_OF_RANGE = f"date is out of the supported range (years {EARLIEST.year} to {LATEST.year - 1})"


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a time of day has no UTC offset (e.g. 08:00): its zone is the `timezone` field")
    return value


# A time of day on the local clock of a named timezone (kept beside it), so never with a UTC offset.
WallTime = Annotated[time, AfterValidator(_wall_clock)]
