"""The exit picture per service point carries what the map layer draws: position, load level, stock level."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.servicepoints.test_servicepoints_api import new_point, stock

pytestmark = pytest.mark.django_db
AT = datetime(2016, 10, 20, 12, 0, tzinfo=UTC)


def count(checkpoint, at, persons):
    from safepassage.crossings import services as crossings
    from tests.conftest import SYSTEM

    crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=checkpoint.pk, direction="out",
                                    bucket_start=at, bucket_minutes=60, counts={"women": persons}, by=SYSTEM)


@pytest.fixture
def meal_point(actors, area, open_corridor):
    r = actors["coordinator"].post("/api/servicepoints", new_point(area, open_corridor))
    assert r.status_code == 201, r.content
    return r.json()


def picture(actor, **params):
    r = actor.get("/api/servicepoints/exits", **params)
    assert r.status_code == 200, r.content
    [exit_] = r.json()
    return exit_, {p["name"]: p for p in exit_["service_points"]}


def test_each_point_has_its_place_load_and_stock_levels(actors, area, open_corridor, checkpoint):
    coordinator, field = actors["coordinator"], actors["field_officer"]
    meals = coordinator.post("/api/servicepoints", new_point(area, open_corridor, name="Meals east", name_ar="وجبات",
                                                             capacity_per_hour=10, capacity_per_day=200)).json()
    aid = coordinator.post("/api/servicepoints", new_point(area, open_corridor, name="First aid east",
                                                           kind="first_aid", lon=37.2, lat=36.3,
                                                           capacity_per_hour=500, capacity_per_day=5000,
                                                           units_per_person={})).json()
    stock(field, meals, kind="received", quantity=100, reason="delivery", at=(AT - timedelta(days=1)).isoformat())
    stock(field, aid, item="first_aid_kit", kind="received", quantity=5, reason="delivery",
          at=(AT - timedelta(days=1)).isoformat())
    stock(field, aid, item="first_aid_kit", kind="issued", quantity=5, reason="used",
          at=(AT - timedelta(hours=2)).isoformat())
    count(checkpoint, AT - timedelta(hours=1), 12)  # 12 arrivals in the last hour against 10 meals an hour

    exit_, points = picture(actors["partner"], at=AT.isoformat())
    meal, first_aid = points["Meals east"], points["First aid east"]
    # Position: the centre of the place by default, or where the point was put.
    assert (meal["lon"], meal["lat"]) == (pytest.approx(37.15), pytest.approx(36.15))
    assert (first_aid["lon"], first_aid["lat"]) == (37.2, 36.3)
    assert meal["place"] == "Test area" and meal["name_ar"] == "وجبات" and first_aid["name_ar"] == ""
    # Load: the level of the point's kind at its exit, with that kind's warnings.
    kinds = {k["kind"]: k["level"] for k in exit_["kinds"]}
    assert meal["load_level"] == kinds["meal_station"] == "critical"
    assert first_aid["load_level"] == kinds["first_aid"] == "ok" and first_aid["load_warnings"] == []
    assert len(meal["load_warnings"]) == 1 and "exceed meal station capacity (10)" in meal["load_warnings"][0]
    assert all(w in exit_["warnings"] for w in meal["load_warnings"])
    # Stock: 100 meals for 12 arrivals a day is plenty; no first-aid kit left at all.
    assert meal["stock_level"] == "ok" and meal["out_of_stock"] == [] and meal["warnings"] == []
    assert first_aid["stock_level"] == "critical" and first_aid["out_of_stock"] == ["first_aid_kit"]
    assert first_aid["warnings"] == ["first_aid_kit: out of stock"]
    # The overall level is unchanged: the worse of load and stock.
    assert meal["level"] == "critical" and first_aid["level"] == "critical"

    # Earlier the same day nobody had arrived yet: the meal station was within capacity.
    _, before = picture(actors["partner"], at=(AT - timedelta(hours=3)).isoformat())
    assert before["Meals east"]["load_level"] == "ok" and before["Meals east"]["load_warnings"] == []


def test_low_stock_is_a_warning_not_out_of_stock(actors, meal_point, checkpoint):
    stock(actors["field_officer"], meal_point, kind="received", quantity=200, reason="delivery",
          at=(AT - timedelta(days=1)).isoformat())
    count(checkpoint, AT - timedelta(hours=5), 100)  # 100 meals a day needed, 200 in stock: 2 days left
    _, points = picture(actors["partner"], at=AT.isoformat())
    p = points["Meal station north"]
    assert p["stock"][0]["days_left"] == 2.0 and p["stock_level"] == "warning" and p["out_of_stock"] == []
    assert p["load_level"] == "ok" and p["level"] == "warning"


def test_the_public_does_not_see_service_points(actors, meal_point):
    assert actors["public"].get("/api/servicepoints/exits").status_code in (401, 403)
