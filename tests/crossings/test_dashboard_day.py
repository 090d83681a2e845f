"""A day with 100,000 crossing records: the dashboard's figures are exact (its speed is in benchmarks/bench_dashboard.py)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safepassage.crossings import selectors
from safepassage.crossings.models import PEOPLE_FIELDS, CrossingCount

DAY = datetime(2016, 10, 20, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.django_db
def test_summary_of_a_100k_record_day_is_exact(checkpoint, open_corridor, actors):
    rnd = random.Random(1)
    rows = []
    for i in range(100_000):
        counts = {f: rnd.randint(0, 20) for f in ("women", "men", "children", "older_people", "wounded")}
        rows.append(CrossingCount(
            client_uuid=uuid.UUID(int=rnd.getrandbits(128), version=4), checkpoint=checkpoint,
            corridor=open_corridor, direction="out" if i % 5 else "in",
            bucket_start=DAY + timedelta(seconds=(i * 864) // 1000), bucket_minutes=5, **counts,
            total_persons=sum(counts.get(f, 0) for f in PEOPLE_FIELDS), received_at=DAY,
            is_current=i % 50 != 0))
    CrossingCount.objects.bulk_create(rows, batch_size=5000)
    # noise on the neighbouring days, which the index must skip
    CrossingCount.objects.bulk_create([CrossingCount(
        client_uuid=uuid.uuid4(), checkpoint=checkpoint, corridor=open_corridor, direction="out",
        bucket_start=DAY + timedelta(days=d), bucket_minutes=60, women=1, total_persons=1, received_at=DAY)
        for d in (-1, 1)])
    expected = sum(r.total_persons for r in rows if r.is_current)
    since, until = selectors.day_window(DAY.date(), "UTC")
    result = selectors.totals(since=since, until=until)
    assert sum(r["total_persons"] for r in result) == expected
    r = actors["partner"].get("/api/crossings/dashboard", day="2016-10-20", tz="UTC")
    assert r.status_code == 200 and r.json()["crossings"]["overall"]["total_persons"] == expected


def _reads(corridor_id: int) -> dict:
    """The dashboard's reads of the counts table: each with the index it must use, and how on SQLite."""
    since, until = selectors.day_window(DAY.date(), "UTC")
    window = ("crossing_current_bucket", "is_current=? AND bucket_start>? AND bucket_start<?")
    return {
        "totals": (lambda: selectors.totals(since=since, until=until), *window),
        "arrivals": (lambda: selectors.arrivals(corridor_ids=[corridor_id], direction="out", since=since,
                                                until=until), *window),
        "pending review": (selectors.pending_review_count, "crossing_review_current",
                           "COVERING INDEX crossing_review_current (review_status=? AND is_current=?)"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("read", ["totals", "arrivals", "pending review"])
def test_the_dashboards_reads_go_through_their_indexes(read, checkpoint, open_corridor):
    """A day's figures read that day's rows, and the review queue's size only the index: so their time
    follows the day and the queue, not the table. For `is_current=True` Django writes the bare column,
    which SQLite matched to no index: it walked the whole table (benchmarks/RESULTS.md, Crossings)."""
    CrossingCount.objects.bulk_create([CrossingCount(
        client_uuid=uuid.uuid4(), checkpoint=checkpoint, corridor=open_corridor, direction="out",
        bucket_start=DAY - timedelta(hours=4 * i), bucket_minutes=60, women=1, total_persons=1, received_at=DAY,
        review_status="pending" if i % 100 == 0 else "not_needed") for i in range(600)])  # 100 days
    fetch, index, sqlite_plan = _reads(open_corridor.pk)[read]
    with CaptureQueriesContext(connection) as queries:
        fetch()
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE crossings_crossingcount")  # as autovacuum would; SQLite has no statistics
            cursor.execute("EXPLAIN " + query["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert index in plan, plan
    if connection.vendor == "sqlite":
        assert sqlite_plan in plan, plan
