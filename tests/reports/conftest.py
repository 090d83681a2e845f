"""A day of records (20 October 2016, Asia/Damascus) for the bulletin tests, with a few on the day before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.conftest import SQUARE, SYSTEM

DAY = "2016-10-20"
TZ = "Asia/Damascus"  # UTC+3 in October 2016
T0 = datetime(2016, 10, 19, 21, 0, tzinfo=UTC)  # 00:00 local on the 20th


@pytest.fixture
def day_of_records(db, corridor):
    from safepassage.agreements import services as agreements
    from safepassage.corridors import services as corridors
    from safepassage.corridors.models import CorridorStatusChange
    from safepassage.crossings import services as crossings
    from safepassage.incidents import services as incidents
    from safepassage.incidents.models import Incident
    from safepassage.places import services as places
    from safepassage.servicepoints import services as points

    CorridorStatusChange.objects.filter(corridor=corridor).update(at=T0 - timedelta(days=3))
    cp = corridors.add_checkpoint(corridor=corridor, name="Gate", lon=37.18, lat=36.24, by=SYSTEM)
    corridors.set_corridor_status(corridor_id=corridor.id, status="open", reason="pause agreed", by=SYSTEM,
                                  at=T0 - timedelta(days=2))
    corridors.set_corridor_status(corridor_id=corridor.id, status="suspended", reason="shelling reported",
                                  by=SYSTEM, at=T0 + timedelta(hours=14))
    for hour, (women, children) in enumerate([(10, 5), (7, 3), (4, 0)]):
        crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=cp.id, direction="out",
                                        bucket_start=T0 + timedelta(hours=8 + hour), bucket_minutes=60,
                                        counts={"women": women, "children": children}, by=SYSTEM)
    first = crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=cp.id, direction="out",
                                            bucket_start=T0 + timedelta(hours=11), bucket_minutes=60,
                                            counts={"men": 2}, by=SYSTEM).count
    # a correction replaces the first figure: only the new version counts
    crossings.submit_crossing_count(client_uuid=uuid.uuid4(), supersedes_uuid=first.client_uuid,
                                    checkpoint_id=cp.id, direction="out", bucket_start=first.bucket_start,
                                    bucket_minutes=60, counts={"men": 3}, by=SYSTEM)
    # the day before, for the change since the previous bulletin
    crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=cp.id, direction="out",
                                    bucket_start=T0 - timedelta(hours=12), bucket_minutes=60, counts={"women": 6},
                                    by=SYSTEM)
    area = places.create_place(kind="area", name="Exit area", geometry=SQUARE, by=SYSTEM)
    sp = points.create_service_point(name="Meal station 1", kind="meal_station", place_id=area.id,
                                     corridor_id=corridor.id, capacity_per_hour=100, capacity_per_day=1000,
                                     opens_at=time(0, 0), closes_at=time(23, 59), by=SYSTEM)
    for h, n in ((9, 40), (10, 25)):
        points.record_people_served(service_point_id=sp.id, hour_start=T0 + timedelta(hours=h), people=n, by=SYSTEM)
    published = incidents.record_incident(title="Shelling near the gate", categories=["access_hostilities"],
                                          time_earliest=T0 + timedelta(hours=13), time_precision="hour", by=SYSTEM)
    Incident.objects.filter(pk=published.pk).update(verification="verified", published=True)
    incidents.record_incident(title="Unverified report", categories=["access_hostilities", "military_use_of_civilian_buildings"],
                              time_earliest=T0 + timedelta(hours=15), time_precision="hour",
                              by=SYSTEM)
    place = places.create_place(kind="site", name="Village A", site_type="populated_place", pcode="SY0001",
                                geometry={"type": "Point", "coordinates": [37.0, 36.0]}, by=SYSTEM)
    community = agreements.register_community(place=place, population=1200, population_source="test", by=SYSTEM)
    agreements.create_agreement(community=community, name="Truce of Village A", kind="local_ceasefire",
                                signed_at=T0 + timedelta(hours=10), source="test source", by=SYSTEM)
    case = crossings.create_medevac_case(client_uuid=uuid.uuid4(), age_band="18-59", sex="female", triage="urgent",
                                         condition_summary="Secret condition", at=T0 + timedelta(hours=9), by=SYSTEM).case
    crossings.set_medevac_status(case_id=case.id, status="moved", at=T0 + timedelta(hours=10), by=SYSTEM)
    return {"corridor": corridor, "checkpoint": cp, "service_point": sp}
