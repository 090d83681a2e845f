"""The uncertain-date parser: each format as an interval (earliest, latest, precision), never an invented instant."""

from datetime import UTC, datetime

import pytest

from safepassage.incidents.dates import parse_interval


def d(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


END = (23, 59, 59, 999999)


@pytest.mark.parametrize(("text", "expected"), [
    ("06JUN14-25JAN15", (d(2014, 6, 6), d(2015, 1, 25, *END), "day")),
    ("6JUN14-14JUL14", (d(2014, 6, 6), d(2014, 7, 14, *END), "day")),
    ("31OCT13-31JAN14", (d(2013, 10, 31), d(2014, 1, 31, *END), "day")),
    ("Before 31OCT13", (None, d(2013, 10, 31, *END), "day")),
    ("after 01JAN14", (d(2014, 1, 1), None, "day")),
    ("2015/04/26", (d(2015, 4, 26), d(2015, 4, 26, *END), "day")),
    ("2015-04-26", (d(2015, 4, 26), d(2015, 4, 26, *END), "day")),
    ("2015-02", (d(2015, 2, 1), d(2015, 2, 28, *END), "month")),
    ("2016", (d(2016, 1, 1), d(2016, 12, 31, *END), "year")),
    ("2016-10-20T08:30:00+03:00", (d(2016, 10, 20, 5, 30), d(2016, 10, 20, 5, 30, 59, 999999), "minute")),
    ("2016-10-20T08:00Z", (d(2016, 10, 20, 8), d(2016, 10, 20, 8, 59, 59, 999999), "hour")),
    ("2015-04-26/2015-05-01", (d(2015, 4, 26), d(2015, 5, 1, *END), "day")),
    ("2015-04 - 2015-05-01", (d(2015, 4, 1), d(2015, 5, 1, *END), "month")),
    ("", (None, None, "unknown")),
    ("  ", (None, None, "unknown")),
    (None, (None, None, "unknown")),
])
def test_formats(text, expected):
    assert parse_interval(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("31XYZ13", "unknown month"),
    ("yesterday", "date not understood"),
    ("2015/13/01", "date not understood"),
    ("25JAN15-06JUN14", "ends before it starts"),
    ("Before", "date not understood"),
])
def test_refused_with_the_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_interval(text)
