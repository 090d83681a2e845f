"""Plans on the product's own data: the district graph of the areas in the database.

A plan is queued (202), computed by the worker (run here in-process, batch mode), then read back.
"""

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.corridors.models import Corridor
from safepassage.jobs.worker import run_pending
from safepassage.places import services as places
from safepassage.plans.models import PlanRun
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits as in production


def _square(x0, y0, size=0.01):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size],
                                                [x0, y0 + size], [x0, y0]]]}


@pytest.fixture
def strip(db):
    """Five adjacent areas in a row (west to east), plus one detached island."""
    areas = [places.create_place(kind="area", name=f"A{i}", geometry=_square(37.10 + 0.01 * i, 36.20), by=SYSTEM)
             for i in range(5)]
    areas.append(places.create_place(kind="area", name="island", geometry=_square(37.5, 36.5), by=SYSTEM))
    return areas


def _plan(client, path, body):
    """POST a plan, check it is queued, run the worker, and return the finished run as GET shows it."""
    r = client.post(path, body)
    assert r.status_code == 202, r.content
    queued = r.json()
    assert queued["status"] == "queued" and queued["result"] is None and queued["job_id"]
    run_pending()
    return client.get(f"/api/plans/{queued['id']}").json()


def _centre(i):
    return [37.105 + 0.01 * i, 36.205]


HAZARD_ON_A2 = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": _centre(2)},
     "properties": {"id": "mines-a2", "kind": "mine_uxo", "blocked": True, "radius_m": 300}}]}


def test_route_across_the_strip_is_stored_with_network_version(coordinator, strip):
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4),
                                                  "weight": "length"})
    assert run["status"] == "ok" and run["progress"] == {"done": 3, "total": 3, "message": "done"}
    route = run["result"]["routes"][0]
    assert len(route["geometry"]["coordinates"]) == 5  # through every area of the strip
    assert route["length_m"] == pytest.approx(4 * 896, rel=0.02)  # 0.01° of longitude at 36.2°N ≈ 896 m
    assert run["network"].startswith("district graph of 6 areas")
    assert run["timings"]["total_s"] > 0
    assert AuditEntry.objects.filter(action="plan.run_recorded", object_id=str(run["id"])).exists()


def test_blocking_hazard_leaves_no_route_and_the_failure_is_kept(coordinator, strip):
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4),
                                                  "hazards": HAZARD_ON_A2})
    assert run["status"] == "failed" and run["result"] is None and "route" in run["error"].lower()
    failed = PlanRun.objects.get()
    assert failed.status == "failed" and failed.error and failed.hazards_version
    job = coordinator.get(f"/api/jobs/{run['job_id']}").json()
    assert job["status"] == "failed" and job["error"] == failed.error


def test_disconnected_target_is_a_clear_error(coordinator, strip):
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": [37.505, 36.505]})
    assert run["status"] == "failed" and "route" in run["error"].lower()


def test_bad_hazard_file_names_the_field(coordinator, strip):
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {}}]}
    r = coordinator.post("/api/plans/route", {"origin": _centre(0), "destination": _centre(4), "hazards": bad})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hazards"


def test_corridor_from_a_proposed_route_in_one_step(coordinator, strip):
    run = _plan(coordinator, "/api/plans/route", {"origin": _centre(0), "destination": _centre(4)})
    r = coordinator.post(f"/api/plans/{run['id']}/corridor", {
        "name": "Planned corridor", "direction": "out", "eligible_groups": ["civilians"],
        "opens_at": "07:00", "closes_at": "18:00"})
    assert r.status_code == 201, r.content
    corridor = Corridor.objects.get(name="Planned corridor")
    assert corridor.geometry == run["result"]["routes"][0]["geometry"]
    assert corridor.status == "closed" and f"plan run #{run['id']}" in corridor.notes
    wrong = coordinator.post(f"/api/plans/{run['id']}/corridor", {
        "route_index": 3, "name": "x", "direction": "out", "eligible_groups": ["civilians"],
        "opens_at": "07:00", "closes_at": "18:00"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "route_index"


def test_evacuation_capacity_of_a_pause(coordinator, strip):
    body = {"origins": [{"lon": _centre(0)[0], "lat": _centre(0)[1], "people": 500}],
            "exits": [{"lon": _centre(4)[0], "lat": _centre(4)[1], "capacity_ppm": 10}],
            "window_min": 60, "method": "both"}
    result = _plan(coordinator, "/api/plans/evacuation", body)["result"]
    # Walking 4 × ~896 m at 1.25 m/s takes 4 × 12 min = 48 min; then 10 per minute until minute 60.
    assert result["evacuated"] == result["upper_bound"] == 130
    assert sum(g["count"] for g in result["schedule"]) == 130
    assert result["schedule"][0]["geometry"]["type"] == "LineString"
    assert result["gap"] is not None and result["gap"] >= 0


def test_siting_picks_the_covering_candidate(coordinator, strip):
    body = {"demand": [{"lon": _centre(i)[0], "lat": _centre(i)[1], "weight": 100} for i in range(5)],
            "candidates": [{"lon": _centre(0)[0], "lat": _centre(0)[1], "id": "west"},
                           {"lon": _centre(2)[0], "lat": _centre(2)[1], "id": "middle"}],
            "k": 1, "radius_m": 2000, "objective": "mclp"}
    result = _plan(coordinator, "/api/plans/siting", body)["result"]
    assert result["sites"] == ["middle"] and result["covered"] == 500 and result["optimal"] is True
    too_many = coordinator.post("/api/plans/siting", {**body, "k": 3})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "k"
    no_radius = coordinator.post("/api/plans/siting", {**body, "radius_m": None})
    assert no_radius.status_code == 422 and no_radius.json()["errors"][0]["field"] == "radius_m"


def test_only_planners_run_plans_and_staff_read_them(actors, strip):
    assert actors["partner"].post("/api/plans/route", {"origin": _centre(0), "destination": _centre(4)}
                                  ).status_code == 403
    assert actors["public"].get("/api/plans").status_code == 401
    actors["coordinator"].post("/api/plans/route", {"origin": _centre(0), "destination": _centre(4)})
    listed = actors["partner"].get("/api/plans").json()
    assert listed["count"] == 1 and listed["items"][0]["kind"] == "route"
