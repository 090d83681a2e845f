"""Service points: creation, stock ledger (never negative), people served, and the exit picture."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.servicepoints.models import StockEntry

pytestmark = pytest.mark.django_db
AT = datetime(2016, 10, 20, 12, 0, tzinfo=UTC)


def new_point(area, corridor, **over):
    body = {"name": "Meal station north", "kind": "meal_station", "place_id": area.pk, "corridor_id": corridor.pk,
            "capacity_per_hour": 100, "capacity_per_day": 1000, "opens_at": "06:00", "closes_at": "20:00",
            "units_per_person": {"meal": 1}}
    body.update(over)
    return body


@pytest.fixture
def point(actors, area, open_corridor):
    r = actors["coordinator"].post("/api/servicepoints", new_point(area, open_corridor))
    assert r.status_code == 201, r.content
    return r.json()


def stock(actor, point, **body):
    return actor.post(f"/api/servicepoints/{point['id']}/stock", {"item": "meal", "reason": "r", **body})


def test_create_defaults_location_to_place_and_is_audited(point):
    assert point["lon"] == pytest.approx(37.15) and point["lat"] == pytest.approx(36.15)
    assert point["stock"] == {} and point["corridor"] == "Castello road"
    assert AuditEntry.objects.filter(action="servicepoint.created", object_id=str(point["id"])).exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"capacity_per_hour": 2000}, "capacity_per_hour"),
        ({"capacity_per_day": -1}, "capacity_per_day"),
        ({"kind": "hotel"}, "kind"),
        ({"place_id": 999999}, "place_id"),
        ({"corridor_id": 999999}, "corridor_id"),
        ({"units_per_person": {"Meal Kit!": 1}}, "item"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"opens_at": "08:00", "closes_at": "08:00"}, "closes_at"),
    ],
)
def test_bad_point_input_names_the_field(actors, area, open_corridor, over, field):
    r = actors["coordinator"].post("/api/servicepoints", new_point(area, open_corridor, **over))
    assert r.status_code == 422, r.content
    assert field in [e["field"] for e in r.json()["errors"]]


def test_stock_ledger_never_goes_negative(actors, point):
    field = actors["field_officer"]
    assert stock(field, point, kind="received", quantity=500, reason="WFP delivery note 17").status_code == 201
    r = stock(field, point, kind="issued", quantity=450, reason="distribution 08:00-12:00")
    assert r.status_code == 201 and r.json()["balance_after"] == 50
    refused = stock(field, point, kind="issued", quantity=51, reason="distribution")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "quantity"
    assert "only 50" in refused.json()["detail"]
    assert stock(field, point, kind="adjusted", quantity=-51, reason="count").status_code == 422
    r = stock(field, point, kind="adjusted", quantity=-5, reason="5 meals spoiled")
    assert r.json()["balance_after"] == 45 and r.json()["delta"] == -5
    no_reason = stock(field, point, kind="received", quantity=1, reason=" ")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    negative = stock(field, point, kind="received", quantity=-3)
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "quantity"
    ledger = actors["partner"].get(f"/api/servicepoints/{point['id']}/stock").json()
    assert [e["balance_after"] for e in ledger["items"]] == [45, 50, 500]
    assert actors["partner"].get(f"/api/servicepoints/{point['id']}").json()["stock"] == {"meal": 45}
    assert AuditEntry.objects.filter(action="stock.recorded").count() == 3
    assert stock(actors["partner"], point, kind="received", quantity=1).status_code == 403


def test_people_served_per_hour_needs_the_version_to_change(actors, point):
    url = f"/api/servicepoints/{point['id']}/served"
    field = actors["field_officer"]
    r = field.post(url, {"hour_start": "2016-10-20T09:00:00Z", "people": 80})
    assert r.status_code == 200 and r.json()["version"] == 1
    blind = field.post(url, {"hour_start": "2016-10-20T09:00:00Z", "people": 90})
    assert blind.status_code == 422 and blind.json()["errors"][0]["field"] == "version"
    ok = field.post(url, {"hour_start": "2016-10-20T09:00:00Z", "people": 90, "version": 1})
    assert ok.json()["people"] == 90 and ok.json()["version"] == 2
    stale = field.post(url, {"hour_start": "2016-10-20T09:00:00Z", "people": 95, "version": 1})
    assert stale.status_code == 409
    odd = field.post(url, {"hour_start": "2016-10-20T09:30:00Z", "people": 5})
    assert odd.status_code == 422 and odd.json()["errors"][0]["field"] == "hour_start"
    entry = AuditEntry.objects.filter(action="people_served.recorded").order_by("-seq").first()
    assert entry.before["people"] == 80 and entry.after["people"] == 90


def test_exit_picture_compares_arrivals_with_capacity_and_stock(actors, point, checkpoint):
    from safepassage.crossings import services as crossings
    from tests.conftest import SYSTEM

    field = actors["field_officer"]
    stock(field, point, kind="received", quantity=1200, reason="delivery", at=(AT - timedelta(days=2)).isoformat())
    stock(field, point, kind="issued", quantity=400, reason="distribution", at=(AT - timedelta(hours=3)).isoformat())
    # 900 arrivals in the last 24 hours on the corridor (outward), 120 of them in the last hour
    for hours_ago, women in ((20, 300), (6, 480), (1, 120)):
        crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=checkpoint.pk, direction="out",
                                        bucket_start=AT - timedelta(hours=hours_ago), bucket_minutes=60,
                                        counts={"women": women}, by=SYSTEM)
    r = actors["partner"].get("/api/servicepoints/exits", at=AT.isoformat())
    assert r.status_code == 200, r.content
    [exit_] = r.json()
    assert exit_["arrivals_24h"] == 900 and exit_["arrivals_last_hour"] == 120
    meal = next(k for k in exit_["kinds"] if k["kind"] == "meal_station")
    assert meal["load"] == 0.9 and meal["level"] == "critical"  # 120/h over a capacity of 100/h
    [sp] = exit_["service_points"]
    [meals] = sp["stock"]
    assert meals["balance"] == 800 and meals["issued_24h"] == 400 and meals["need_24h"] == 900
    assert meals["days_left"] == pytest.approx(800 / 900, abs=0.01) and meals["level"] == "critical"
    assert sp["level"] == "critical" and exit_["level"] == "critical"
    text = " ".join(exit_["warnings"])
    assert "exceed meal station capacity" in text and "days left" in text
    assert "no first-aid point at this exit" in text


def test_exit_picture_is_quiet_when_all_is_well(actors, point):
    stock(actors["field_officer"], point, kind="received", quantity=100, reason="delivery")
    [exit_] = actors["partner"].get("/api/servicepoints/exits").json()
    assert exit_["level"] == "ok" and exit_["warnings"] == []
    assert exit_["service_points"][0]["stock"][0]["days_left"] is None


def test_update_point_with_version(actors, point):
    url = f"/api/servicepoints/{point['id']}"
    r = actors["coordinator"].patch(url, {"version": 1, "capacity_per_hour": 150})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert actors["coordinator"].patch(url, {"version": 1, "capacity_per_hour": 10}).status_code == 409
    assert actors["field_officer"].patch(url, {"version": 2, "notes": "x"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_cannot_overdraw(area, open_corridor):
    import threading

    from django.db import connection

    from safepassage.core.errors import InvalidInput
    from safepassage.servicepoints import services
    from tests.conftest import SYSTEM

    sp = services.create_service_point(name="P", kind="meal_station", place_id=area.pk,
                                       corridor_id=open_corridor.pk, capacity_per_hour=1, capacity_per_day=1,
                                       opens_at=time(6), closes_at=time(20),
                                       by=SYSTEM)
    services.record_stock(service_point_id=sp.pk, item="meal", kind="received", quantity=100, reason="d", by=SYSTEM)
    refused = []

    def issue():
        try:
            for _ in range(5):
                try:
                    services.record_stock(service_point_id=sp.pk, item="meal", kind="issued", quantity=3,
                                          reason="x", by=SYSTEM)
                except InvalidInput:
                    refused.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    balances = list(StockEntry.objects.filter(service_point=sp).order_by("id").values_list("balance_after", flat=True))
    assert balances[-1] == 1 and len(refused) == 40 - 33 and min(balances) >= 0


def test_people_served_are_listed_to_anyone_with_their_sum(actors, point):
    """The bulletin's people-served figures link here: counts of people, no personal data."""
    from safepassage.servicepoints import services
    from tests.conftest import SYSTEM

    point = point["id"]
    for hour, people in ((AT, 40), (AT + timedelta(hours=1), 25), (AT + timedelta(days=1), 9)):
        services.record_people_served(service_point_id=point, hour_start=hour, people=people, by=SYSTEM)
    r = actors["public"].get("/api/servicepoints/served", since="2016-10-20T00:00:00Z",
                             until="2016-10-21T00:00:00Z", sum_of="people", service_point_id=point)
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 2 and r.json()["sum"] == 65
    assert actors["public"].get("/api/servicepoints/served", as_of="2016-01-01T00:00:00Z").json()["count"] == 0
    bad = actors["public"].get("/api/servicepoints/served", until="2016-10-21T00:00:00")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "until"
