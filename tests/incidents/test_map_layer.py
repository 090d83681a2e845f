"""GET /api/map/incidents: compact GeoJSON, filters, and what each role may see."""

from __future__ import annotations

import pytest

from safepassage.core.permissions import Perm, Role, role_has
from safepassage.incidents.models import Incident
from tests.conftest import LINE

pytestmark = pytest.mark.django_db
ON_LINE = {"type": "Point", "coordinates": [37.18, 36.24]}  # on the test corridor's line
FAR = {"type": "Point", "coordinates": [37.30, 36.10]}


@pytest.fixture
def world(make_incident, corridor):
    ids = {
        "verified_public": make_incident(title="A", categories=["damage_observed"], geometry=ON_LINE)["id"],
        "verified_unpublished": make_incident(title="B", categories=["access_hostilities"], geometry=FAR)["id"],
        "unverified": make_incident(title="C", categories=["other", "access_hostilities"], geometry=FAR,
                                    time_earliest=None, time_latest=None, time_precision="unknown")["id"],
        "protected": make_incident(title="D", categories=["grave_abduction"], geometry={
            "type": "Point", "coordinates": [37.161234, 36.202345]}, protected=True,
            time_earliest="2014-06-06T00:00:00Z", time_latest="2015-01-25T23:59:59Z", time_precision="day")["id"],
        "line": make_incident(title="E", categories=["access_restriction_of_movement"],
                              geometry=LINE)["id"],
    }
    Incident.objects.filter(pk__in=[ids["verified_public"], ids["protected"], ids["line"]]).update(
        verification="verified", published=True)
    Incident.objects.filter(pk=ids["verified_unpublished"]).update(verification="verified")
    return ids


def _get(api, **params):
    r = api.get("/api/map/incidents", **params)
    assert r.status_code == 200, r.content
    return r.json()


def test_the_public_sees_verified_published_incidents_with_protected_locations_coarsened(actors, world):
    data = _get(actors["public"])
    got = {f["properties"]["id"]: f for f in data["features"]}
    assert set(got) == {world["verified_public"], world["protected"], world["line"]}
    assert data["count"] == 3 and data["type"] == "FeatureCollection"
    assert got[world["verified_public"]]["properties"] == {"id": world["verified_public"], "c": "damage_observed",
                                                           "v": "verified"}
    coarse = got[world["protected"]]["geometry"]["coordinates"]
    assert coarse != [37.16123, 36.20235] and abs(coarse[0] - 37.161234) < 0.02
    assert got[world["line"]]["geometry"]["type"] == "LineString"
    for role in Role:  # every role without incidents.view_all sees what the public sees
        if role != Role.PUBLIC and not role_has(role, Perm.INCIDENTS_VIEW_ALL):
            assert {f["properties"]["id"] for f in _get(actors[role.value])["features"]} == set(got)


def test_staff_see_all_with_exact_locations(actors, world):
    for role in [r.value for r in Role if r != Role.PUBLIC and role_has(r, Perm.INCIDENTS_VIEW_ALL)]:
        data = _get(actors[role])
        got = {f["properties"]["id"]: f for f in data["features"]}
        assert set(got) == set(world.values())
        assert got[world["protected"]]["geometry"]["coordinates"] == [37.16123, 36.20235]
        assert got[world["unverified"]]["properties"] == {"id": world["unverified"], "c": "access_hostilities",
                                                          "cs": ["access_hostilities", "other"], "v": "unverified"}


def test_filters_category_status_time_corridor_bbox(actors, world, corridor):
    c = actors["coordinator"]
    ids = lambda **p: {f["properties"]["id"] for f in _get(c, **p)["features"]}  # noqa: E731
    assert ids(category="access_hostilities") == {world["verified_unpublished"], world["unverified"]}
    assert ids(status="unverified") == {world["unverified"]}
    # time: an incident whose interval may overlap; unknown times are left out once a time is asked
    assert ids(**{"from": "2014-01-01T00:00:00Z", "to": "2014-12-31T00:00:00Z"}) == {world["protected"]}
    assert world["protected"] not in ids(**{"from": "2015-02-01T00:00:00Z"})
    assert world["unverified"] not in ids(**{"from": "2000-01-01T00:00:00Z"})
    assert ids(corridor_id=corridor.pk) == {world["verified_public"], world["line"]}
    assert ids(bbox="37.25,36.05,37.35,36.15") == {world["verified_unpublished"], world["unverified"]}
    # the public's filters apply within what it may see
    assert {f["properties"]["id"] for f in _get(actors["public"], status="unverified")["features"]} == set()


@pytest.mark.parametrize(("params", "field"), [
    ({"category": "rumour"}, "category"), ({"status": "true"}, "status"), ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "37,36,36,37"}, "bbox"), ({"from": "2015-01-02T00:00:00Z", "to": "2015-01-01T00:00:00Z"}, "to"),
    ({"from": "2015-01-02T00:00:00"}, "from"),
])
def test_bad_filters_are_refused_naming_the_field(actors, world, params, field):
    r = actors["coordinator"].get("/api/map/incidents", **params)
    assert r.status_code in (400, 422), r.content  # the domain's 422, or the framework's 400 for a naive time
    assert field in r.content.decode()


def test_unknown_corridor_is_not_found(actors, world):
    assert actors["coordinator"].get("/api/map/incidents", corridor_id=99999).status_code == 404
