"""Safe data entry for counts: overlapping periods and unusually high numbers are flagged, never dropped."""

from __future__ import annotations

import uuid

import pytest

from safepassage.crossings.models import CrossingCount
from tests.crossings.test_crossings_api import payload

pytestmark = pytest.mark.django_db


def codes(response) -> set[str]:
    return {f["code"] for f in response.json()["flags"]}


def test_a_second_count_for_the_same_period_is_flagged_as_overlapping(actors, checkpoint):
    field = actors["field_officer"]
    first = field.post("/api/crossings/counts", payload(checkpoint))
    assert first.status_code == 201 and codes(first) == set()
    second = field.post("/api/crossings/counts", payload(checkpoint, bucket_start="2016-10-20T09:30:00Z",
                                                         bucket_minutes=30))
    assert second.status_code == 201 and "overlapping" in codes(second)
    assert second.json()["review_status"] == "pending"
    assert first.json()["client_uuid"] in second.json()["flags"][0]["reason"]
    # both are kept: nothing is silently added or dropped, a person decides
    assert CrossingCount.objects.filter(is_current=True).count() == 2


@pytest.mark.parametrize("over", [
    {"bucket_start": "2016-10-20T10:00:00Z"},  # the next hour
    {"direction": "in"},  # the other direction
])
def test_adjacent_periods_and_the_other_direction_do_not_overlap(actors, checkpoint, over):
    field = actors["field_officer"]
    assert field.post("/api/crossings/counts", payload(checkpoint)).status_code == 201
    r = field.post("/api/crossings/counts", payload(checkpoint, **over))
    assert "overlapping" not in codes(r)


def test_a_correction_does_not_overlap_what_it_corrects_in_either_order(actors, checkpoint):
    field = actors["field_officer"]
    original = payload(checkpoint)
    correction = payload(checkpoint, supersedes_uuid=original["client_uuid"], women=41)
    r = field.post("/api/crossings/counts", correction)  # the correction arrives first
    assert "overlapping" not in codes(r)
    r = field.post("/api/crossings/counts", original)
    assert "overlapping" not in codes(r)


def test_overlaps_inside_one_batch_are_flagged(actors, checkpoint):
    items = [payload(checkpoint), payload(checkpoint, bucket_start="2016-10-20T09:15:00Z", bucket_minutes=15)]
    r = actors["field_officer"].post("/api/crossings/counts/batch", {"items": items})
    assert r.status_code == 200 and r.json()["stored"] == 2
    flags = [{f["code"] for f in item["flags"]} for item in r.json()["results"]]
    assert flags == [set(), {"overlapping"}]


def test_a_count_far_beyond_what_the_checkpoint_has_seen_is_flagged(actors, checkpoint):
    field = actors["field_officer"]
    for hour in range(9, 14):  # a history of five ordinary hours, the busiest 117 persons
        r = field.post("/api/crossings/counts", payload(checkpoint, bucket_start=f"2016-10-20T{hour:02d}:00:00Z"))
        assert codes(r) == set()
    ordinary = field.post("/api/crossings/counts", payload(checkpoint, bucket_start="2016-10-20T14:00:00Z",
                                                           women=200))
    assert "unusually_high" not in codes(ordinary)
    typo = field.post("/api/crossings/counts", payload(checkpoint, bucket_start="2016-10-20T15:00:00Z", women=4000))
    assert typo.status_code == 201 and "unusually_high" in codes(typo)
    assert "more than 3 times the busiest hour" in typo.json()["flags"][0]["reason"]


def test_without_a_history_only_a_huge_bucket_is_flagged(actors, checkpoint):
    field = actors["field_officer"]
    assert codes(field.post("/api/crossings/counts", payload(checkpoint, women=3000))) == set()
    r = field.post("/api/crossings/counts", payload(checkpoint, client_uuid=str(uuid.uuid4()),
                                                    bucket_start="2016-10-20T10:00:00Z", women=6000))
    assert "unusually_high" in codes(r)
