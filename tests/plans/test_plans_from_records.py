"""Plans from the records: the hazard registry by default, and a pause's evacuation capacity from its data."""

from datetime import UTC, date, datetime, time

import pytest

from safepassage.corridors import services as corridors
from safepassage.incidents import hazards
from safepassage.jobs.worker import run_pending
from safepassage.pauses import services as pauses
from safepassage.places import services as places
from safepassage.plans.models import PlanRun
from tests.conftest import SYSTEM
from tests.plans.test_plans_api import _centre, _plan, strip  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)

MINE_ON_A2 = {"type": "Point", "coordinates": _centre(2)}


def test_route_uses_the_hazard_registry_by_default(coordinator, strip):  # noqa: F811
    h = hazards.record_hazard(kind="mines_uxo_ied", geometry=MINE_ON_A2, by=SYSTEM)
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4)})
    assert run["status"] == "failed" and "route" in run["error"].lower()  # the mine blocks the only way
    assert run["inputs"]["hazards_source"] == "registry"
    assert [f["id"] for f in run["inputs"]["hazards"]["features"]] == [f"hazard-{h.pk}"]
    first_version = run["hazards_version"]
    assert first_version.startswith("registry:")

    hazards.set_hazard_status(hazard_id=h.pk, status="cleared", reason="clearance completed", by=SYSTEM)
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4)})
    assert run["status"] == "ok" and run["inputs"]["hazards"]["features"] == []
    assert run["hazards_version"].startswith("registry:") and run["hazards_version"] != first_version


def test_an_uploaded_hazards_file_still_wins(coordinator, strip):  # noqa: F811
    hazards.record_hazard(kind="mines_uxo_ied", geometry=MINE_ON_A2, by=SYSTEM)
    empty_elsewhere = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.9, 36.9]}, "properties": {"id": "x"}}]}
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4),
                                                  "hazards": empty_elsewhere})
    assert run["status"] == "ok" and run["inputs"]["hazards_source"] == "upload"
    assert not run["hazards_version"].startswith("registry:")


@pytest.fixture
def pause(strip):  # noqa: F811
    from safepassage.accounts import services as accounts

    party = accounts.create_party(name="P", short_name="P", color="#000000", by=SYSTEM)
    corridor = corridors.create_corridor(name="East exit", geometry={"type": "LineString", "coordinates": [
        _centre(3), _centre(4)]}, direction="out", eligible_groups=["civilians"], opens_at=time(0, 0),
        closes_at=time(23, 59), by=SYSTEM)
    corridors.add_checkpoint(corridor=corridor, name="East gate", lon=_centre(4)[0], lat=_centre(4)[1],
                             capacity_per_minute=10, by=SYSTEM)
    places.record_population(place=strip[0], people=500, source="Illustrative demo figure", as_of=date(2016, 10, 1),
                             illustrative=True, by=SYSTEM)
    return pauses.create_pause(title="One hour", starts_at=datetime(2016, 10, 20, 8, tzinfo=UTC),
                               ends_at=datetime(2016, 10, 20, 9, tzinfo=UTC), place_ids=[strip[0].pk, strip[1].pk],
                               corridor_ids=[corridor.pk], party_ids=[party.pk], by=SYSTEM)


def test_pause_evacuation_plan_stores_its_inputs_and_result(coordinator, pause):
    r = coordinator.post(f"/api/pauses/{pause.pk}/evacuation-plan")
    assert r.status_code == 202, r.content
    run_pending()
    run = coordinator.get(f"/api/plans/{r.json()['id']}").json()
    assert run["status"] == "ok", run["error"]
    inputs = run["inputs"]
    assert inputs["pause_id"] == pause.pk and inputs["window_min"] == 60
    assert inputs["population"] == [{"place_id": pause.places.get(name="A0").pk, "name": "A0", "people": 500, "name_ar": "",
                                     "source": "Illustrative demo figure", "as_of": "2016-10-01",
                                     "illustrative": True}]  # A1 has no figure: not an origin
    assert inputs["exit_points"][0]["checkpoint"] == "East gate" and inputs["exits"][0][2] == 10
    assert run["hazards_version"].startswith("registry:")
    result = run["result"]
    assert result["evacuated"] == result["upper_bound"] == 130 and result["gap"] is not None
    assert result["by_corridor"] == [{"corridor_id": inputs["exit_points"][0]["corridor_id"],
                                      "corridor": "East exit", "people": 130, "corridor_ar": ""}]


def test_pause_evacuation_plan_refuses_missing_data(coordinator, actors, pause):
    from safepassage.places.models import PopulationFigure

    assert actors["public"].post(f"/api/pauses/{pause.pk}/evacuation-plan").status_code == 401
    assert coordinator.post("/api/pauses/999999/evacuation-plan").status_code == 404
    PopulationFigure.objects.all().delete()
    r = coordinator.post(f"/api/pauses/{pause.pk}/evacuation-plan")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pause_id"
    assert PlanRun.objects.count() == 0
