"""Exactly once: random orders, duplicates and corrections arriving before their originals; concurrent retries."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.crossings import selectors, services
from safepassage.crossings.models import CrossingCount
from tests.conftest import SYSTEM

DAY = datetime(2016, 10, 20, 8, 0, tzinfo=UTC)


def scenario(chain_lengths: list[int], seed: int) -> tuple[list[dict], dict[str, int]]:
    """Submissions for len(chain_lengths) buckets, each corrected chain_length-1 times; expected tips."""
    rnd = random.Random(seed)
    subs, tips = [], {}
    for i, length in enumerate(chain_lengths):
        prev = None
        for _ in range(length):
            key = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            women = rnd.randint(0, 500)
            subs.append({"client_uuid": key, "supersedes_uuid": prev, "direction": "out",
                         "bucket_start": DAY + timedelta(minutes=15 * i), "bucket_minutes": 15,
                         "counts": {"women": women, "children": rnd.randint(0, 50)}})
            prev = key
        tips[prev] = subs[-1]["counts"]["women"]
    return subs, tips


def submit(sub: dict, checkpoint_id: int):
    return services.submit_crossing_count(**sub, checkpoint_id=checkpoint_id, by=SYSTEM)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chains=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=6),
       repeats=st.lists(st.integers(min_value=1, max_value=3), min_size=18, max_size=18),
       seed=st.integers(min_value=0, max_value=2**32), order=st.randoms(use_true_random=False))
def test_any_order_with_retries_stores_each_submission_once(checkpoint, chains, repeats, seed, order):
    CrossingCount.objects.all().delete()
    subs, tips = scenario(chains, seed)
    stream = [s for i, s in enumerate(subs) for _ in range(repeats[i % len(repeats)])]
    order.shuffle(stream)
    seen = set()
    for sub in stream:
        result = submit(sub, checkpoint.pk)
        assert result.duplicate == (sub["client_uuid"] in seen)
        seen.add(sub["client_uuid"])
    assert CrossingCount.objects.count() == len(subs)
    current = dict(CrossingCount.objects.filter(is_current=True).values_list("client_uuid", "women"))
    assert {str(k): v for k, v in current.items()} == tips
    totals = selectors.totals(since=DAY, until=DAY + timedelta(days=1))
    assert sum(r["women"] for r in totals) == sum(tips.values())
    for tip in tips:  # versions are numbered along each chain once it is complete
        chain = selectors.history(CrossingCount.objects.get(client_uuid=tip))
        assert [c.version for c in chain] == list(range(1, len(chain) + 1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_never_double_count(checkpoint):
    subs, tips = scenario([1, 2, 1, 3, 1, 1, 2, 1], seed=7)
    errors: list[BaseException] = []
    duplicates = []

    def worker(n: int) -> None:
        try:
            mine = subs * 2
            random.Random(n).shuffle(mine)
            for sub in mine:
                duplicates.append(submit(sub, checkpoint.pk).duplicate)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert CrossingCount.objects.count() == len(subs)
    assert duplicates.count(False) == len(subs)
    current = {str(k): v for k, v in CrossingCount.objects.filter(is_current=True).values_list("client_uuid", "women")}
    assert current == tips
