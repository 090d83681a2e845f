"""Plans chosen by name on the map (issue 17 item 7): areas, places and corridors by id, results named, totals.

Run by the worker in-process on the district graph of a strip of five areas (tests/plans/test_plans_api.py).
"""

from datetime import date, time

import pytest

from safepassage.corridors import services as corridors
from safepassage.incidents import hazards
from safepassage.jobs.worker import run_pending
from safepassage.places import services as places
from safepassage.plans.models import PlanRun
from tests.conftest import SYSTEM
from tests.plans.test_plans_api import _centre, _plan, strip  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(strip):  # noqa: F811
    """Population in A0 and A1, an exit corridor at A4 with a checkpoint of 10 people a minute, one without."""
    east = corridors.create_corridor(name="East exit", geometry={"type": "LineString", "coordinates": [
        _centre(3), _centre(4)]}, direction="out", eligible_groups=["civilians"], opens_at=time(0, 0),
        closes_at=time(23, 59), by=SYSTEM)
    corridors.add_checkpoint(corridor=east, name="East gate", lon=_centre(4)[0], lat=_centre(4)[1],
                             capacity_per_minute=10, by=SYSTEM)
    west = corridors.create_corridor(name="West track", geometry={"type": "LineString", "coordinates": [
        _centre(0), _centre(1)]}, direction="out", eligible_groups=["civilians"], opens_at=time(0, 0),
        closes_at=time(23, 59), by=SYSTEM)
    places.record_population(place=strip[0], people=500, source="Illustrative demo figure", as_of=date(2016, 10, 1),
                             illustrative=True, by=SYSTEM)
    places.record_population(place=strip[1], people=300, source="Local council", as_of=date(2016, 9, 1), by=SYSTEM)
    return {"areas": strip, "east": east, "west": west}


def test_options_name_every_choice_with_population_and_network(coordinator, world):
    r = coordinator.get("/api/plans/options")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["network"] == "district"
    a0 = next(a for a in body["areas"] if a["name"] == "A0")
    assert a0["people"] == 500 and a0["source"] == "Illustrative demo figure" and a0["as_of"] == "2016-10-01"
    assert a0["illustrative"] is True
    assert next(a for a in body["areas"] if a["name"] == "A3")["people"] is None
    assert body["sites"] == []  # none in the strip
    by_name = {c["name"]: c for c in body["corridors"]}
    assert by_name["East exit"]["capacity_per_minute"] == 10 and by_name["West track"]["capacity_per_minute"] == 0


def test_options_list_sites_but_not_the_agreements_communities(coordinator, world):
    school = places.create_place(kind="site", name="School", site_type="educational",
                                 geometry={"type": "Point", "coordinates": _centre(1)}, by=SYSTEM)
    places.create_place(kind="site", name="A village", site_type="populated_place",
                        geometry={"type": "Point", "coordinates": [37.9, 36.9]}, by=SYSTEM)
    assert coordinator.get("/api/plans/options").json()["sites"] == [
        {"id": school.pk, "name": "School", "name_ar": "", "site_type": "educational"}]


def test_options_need_the_right_to_run_plans(actors, world):
    assert actors["public"].get("/api/plans/options").status_code == 401
    assert actors["partner"].get("/api/plans/options").status_code == 403


def test_road_network_setting_changes_the_note(coordinator, world, settings, tmp_path):
    settings.SAFEPASSAGE_ROAD_NETWORK = str(tmp_path / "roads.geojson")
    assert coordinator.get("/api/plans/options").json()["network"] == "road"


def test_evacuation_by_name_counts_of_total_and_names_the_groups(coordinator, world):
    a = world["areas"]
    run = _plan(coordinator, "/api/plans/evacuation/places", {
        "area_ids": [a[0].pk, a[1].pk, a[2].pk], "corridor_ids": [world["east"].pk], "window_min": 90})
    assert run["status"] == "ok", run["error"]
    result = run["result"]
    assert result["total_people"] == 800  # A2 has no figure: not counted, not an origin
    assert 0 < result["evacuated"] < 800  # 10 a minute, after some 35 minutes of walking
    assert result["by_corridor"][0]["corridor"] == "East exit"
    names = {f["name"] for g in result["schedule"] for f in g["from"]}
    assert names and names <= {"A0", "A1"}
    assert {c["checkpoint"] for g in result["schedule"] for c in g["to"]} == {"East gate"}
    assert [p["source"] for p in run["inputs"]["population"]] == ["Illustrative demo figure", "Local council"]
    assert run["inputs"]["hazards_source"] == "registry" and run["hazards_version"].startswith("registry:")


def test_a_blocking_hazard_in_force_closes_the_way_to_the_flows(coordinator, world):
    a = world["areas"]
    body = {"area_ids": [a[0].pk], "corridor_ids": [world["east"].pk], "window_min": 120}
    assert _plan(coordinator, "/api/plans/evacuation/places", body)["result"]["evacuated"] == 500
    h = hazards.record_hazard(kind="mines_uxo_ied", geometry={"type": "Point", "coordinates": _centre(2)}, by=SYSTEM)
    run = _plan(coordinator, "/api/plans/evacuation/places", body)
    assert run["status"] == "ok" and run["result"]["evacuated"] == 0  # the only way passes the mine
    assert [f["id"] for f in run["inputs"]["hazards"]["features"]] == [f"hazard-{h.pk}"]
    label = run["inputs"]["hazard_labels"][f"hazard-{h.pk}"]
    assert label["kind"] == "mines_uxo_ied" and label["area"]["name"] == "A2"


def test_evacuation_by_name_refusals_name_the_field(coordinator, world):
    a = world["areas"]
    cases = [
        ({"area_ids": [a[0].pk, 999999], "corridor_ids": [world["east"].pk], "window_min": 30}, "area_ids"),
        ({"area_ids": [a[0].pk], "corridor_ids": [999999], "window_min": 30}, "corridor_ids"),
        ({"area_ids": [a[3].pk], "corridor_ids": [world["east"].pk], "window_min": 30}, "area_ids"),  # no figure
        ({"area_ids": [a[0].pk], "corridor_ids": [world["west"].pk], "window_min": 30}, "corridor_ids"),  # no capacity
        ({"area_ids": [], "corridor_ids": [world["east"].pk], "window_min": 30}, "area_ids"),
        ({"area_ids": [a[0].pk], "corridor_ids": [world["east"].pk], "window_min": 0}, "window_min"),
    ]
    for body, field in cases:
        r = coordinator.post("/api/plans/evacuation/places", body)
        assert r.status_code == 422, (body, r.content)
        assert field in r.json()["errors"][0]["field"], (body, r.json())
    assert PlanRun.objects.count() == 0


def test_siting_by_name_names_the_sites_and_counts_of_total(coordinator, world):
    a = world["areas"]
    school = places.create_place(kind="site", name="School of A1", geometry={"type": "Point", "coordinates": _centre(1)},
                                 by=SYSTEM)
    run = _plan(coordinator, "/api/plans/siting/places", {
        "candidate_ids": [school.pk, a[4].pk], "area_ids": [a[0].pk, a[1].pk], "k": 1, "radius_m": 500})
    assert run["status"] == "ok", run["error"]
    result = run["result"]
    assert result["total_demand"] == 800 and result["covered"] == 300  # A0 is ~900 m away
    assert [f["properties"]["name"] for f in result["features"]] == ["School of A1"]
    assert run["inputs"]["hazards_source"] == "registry"


def test_siting_by_name_refusals(coordinator, world):
    a = world["areas"]
    cases = [
        ({"candidate_ids": [999999], "area_ids": [a[0].pk], "k": 1, "radius_m": 500}, "candidate_ids"),
        ({"candidate_ids": [a[4].pk], "area_ids": [a[3].pk], "k": 1, "radius_m": 500}, "area_ids"),
        ({"candidate_ids": [a[4].pk], "area_ids": [a[0].pk], "k": 2, "radius_m": 500}, "k"),
        ({"candidate_ids": [a[4].pk], "area_ids": [a[0].pk], "k": 1}, "radius_m"),
    ]
    for body, field in cases:
        r = coordinator.post("/api/plans/siting/places", body)
        assert r.status_code == 422, (body, r.content)
        assert field in r.json()["errors"][0]["field"], (body, r.json())
    assert PlanRun.objects.count() == 0


def test_route_exposure_is_labelled_with_kind_and_area(coordinator, world):
    hz = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _centre(2)},
         "properties": {"id": "m1", "kind": "mine_uxo", "name": "Market minefield", "risk_factor": 3}}]}
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4), "hazards": hz})
    assert run["status"] == "ok", run["error"]
    assert run["inputs"]["hazard_labels"]["m1"] == {"kind": "mine_uxo", "name": "Market minefield", "blocked": False,
                                                    "area": {"name": "A2", "name_ar": ""}}
    assert run["result"]["routes"][0]["exposure"][0]["hazard_id"] == "m1"


def test_every_plan_kind_goes_through_the_background_worker(coordinator, world):
    """Each kind is answered 202 queued with its job, and shows progress once the worker has run it."""
    a = world["areas"]
    posts = [("/api/plans/route", {"origin": _centre(0), "destination": _centre(4)}),
             ("/api/plans/evacuation/places", {"area_ids": [a[0].pk], "corridor_ids": [world["east"].pk],
                                               "window_min": 30}),
             ("/api/plans/siting/places", {"candidate_ids": [a[4].pk], "area_ids": [a[0].pk], "k": 1,
                                           "radius_m": 500})]
    for path, body in posts:
        r = coordinator.post(path, body)
        assert r.status_code == 202 and r.json()["status"] == "queued" and r.json()["job_id"], r.content
    run_pending()
    for run in PlanRun.objects.all():
        read = coordinator.get(f"/api/plans/{run.pk}").json()
        assert read["status"] == "ok" and read["progress"]["done"] == read["progress"]["total"] == 3


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Evacuation plan", "{covered} of {total} people covered", "SAFEPASSAGE_ROAD_NETWORK"]),
    ("ar", ["خطة الإجلاء", "تمت تغطية {covered} من أصل {total} شخص", "SAFEPASSAGE_ROAD_NETWORK"]),
    ("fr", ["Plan d’évacuation", "{covered} personnes couvertes sur {total}", "SAFEPASSAGE_ROAD_NETWORK"]),
    ("ru", ["План эвакуации", "охвачено {covered} из {total} чел.", "SAFEPASSAGE_ROAD_NETWORK"]),
])
def test_the_plan_forms_and_their_words_are_in_the_page_language(actors, settings, lang, words):
    from django.test import Client

    client = Client()
    client.force_login(actors["coordinator"].principal.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    page = client.get("/").content.decode()
    assert 'data-testid="evac-form"' in page and 'data-testid="siting-form"' in page
    for w in words:
        assert w in page, (lang, w)


def test_a_viewer_who_may_not_run_plans_gets_no_forms(actors):
    from django.test import Client

    client = Client()
    client.force_login(actors["partner"].principal.user)
    page = client.get("/").content.decode()
    assert 'data-testid="plan-panel"' in page and 'data-testid="evac-form"' not in page
