"""A day with 100,000 crossing records: the dashboard's figures are exact (its speed is in benchmarks/bench_dashboard.py)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

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
