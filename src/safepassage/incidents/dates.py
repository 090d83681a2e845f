"""Parse the uncertain dates of source datasets into an interval (earliest, latest, precision), never an instant.

Understood: '' (unknown), '06JUN14-25JAN15', 'Before 31OCT13', 'After 31OCT13', '2015/04/26', ISO dates
'2015-04-26', '2015-04', '2015', ISO date-times (a time without offset is read as UTC), and intervals
'A/B' or 'A - B' of any of these. A day spans 00:00 to 23:59:59.999999 UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

UNKNOWN = (None, None, "unknown")
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DMY = re.compile(r"^(\d{1,2})([A-Za-z]{3})(\d{2}|\d{4})$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d")
_RANK = {"minute": 0, "hour": 1, "day": 2, "month": 3, "year": 4}

Interval = tuple[datetime | None, datetime | None, str]


def _day(y: int, m: int, d: int) -> tuple[datetime, datetime, str]:
    start = datetime(y, m, d, tzinfo=UTC)
    return start, start + timedelta(days=1) - timedelta(microseconds=1), "day"


def _one(text: str) -> tuple[datetime, datetime, str]:
    """One date (or time) as the interval it covers."""
    t = text.strip()
    if m := _DMY.match(t):
        month = _MONTHS.get(m.group(2).upper())
        if month is None:
            raise ValueError(f"unknown month {m.group(2)!r} in {text!r}")
        year = int(m.group(3))
        return _day(year + 2000 if year < 100 else year, month, int(m.group(1)))
    if m := (_SLASHED.match(t) or _ISO_DAY.match(t)):
        return _day(*(int(g) for g in m.groups()))
    if m := _ISO_MONTH.match(t):
        y, mo = int(m.group(1)), int(m.group(2))
        start = datetime(y, mo, 1, tzinfo=UTC)
        days = calendar.monthrange(y, mo)[1]
        return start, start + timedelta(days=days) - timedelta(microseconds=1), "month"
    if m := _YEAR.match(t):
        y = int(m.group(1))
        return datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC) - timedelta(microseconds=1), "year"
    instant = datetime.fromisoformat(t.replace("Z", "+00:00"))
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    if instant.second or instant.microsecond or instant.minute:
        return instant.replace(second=0, microsecond=0), instant.replace(second=59, microsecond=999999), "minute"
    return instant, instant + timedelta(hours=1) - timedelta(microseconds=1), "hour"


def _coarsest(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def parse_interval(text: str | None) -> Interval:
    """Return (earliest, latest, precision) in UTC; raise ValueError naming what is not understood."""
    t = (text or "").strip()
    if not t:
        return UNKNOWN
    try:
        low = t.lower()
        if low.startswith("before "):
            _, latest, precision = _one(t[7:])
            return None, latest, precision
        if low.startswith("after "):
            earliest, _, precision = _one(t[6:])
            return earliest, None, precision
        for sep in ("/", " - ", "-"):
            if sep == "/" and _SLASHED.match(t):
                continue
            if sep == "-" and (_ISO_DAY.match(t) or _ISO_MONTH.match(t) or _ISO_TIME.match(t)):
                continue
            if sep in t:
                first, _, second = t.partition(sep)
                if not first.strip() or not second.strip():
                    continue
                e1, _, p1 = _one(first)
                _, l2, p2 = _one(second)
                if e1 > l2:
                    raise ValueError(f"the interval {t!r} ends before it starts")
                return e1, l2, _coarsest(p1, p2)
        return _one(t)
    except ValueError as exc:
        if "interval" in str(exc) or "unknown month" in str(exc):
            raise
        raise ValueError(f"date not understood: {t!r}") from exc
