"""The service points layer on the main map: coloured by load and stock, refreshed without a page reload."""

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import _login

pytestmark = pytest.mark.e2e
AT = datetime(2016, 10, 20, 9, 0, tzinfo=UTC)  # noon in Aleppo on the day of the pause; Hanano exit open


def _marker(page, point_id):
    return page.locator(f"[data-testid=sp-marker][data-id='{point_id}']")


@pytest.fixture
def hanano_exit(demo_world):
    """A meal station for 10 people an hour at the Hanano exit, and 25 arrivals counted in the last hour."""
    from safepassage.corridors.models import Checkpoint
    from safepassage.crossings import services as crossings
    from safepassage.places.models import Place
    from safepassage.servicepoints import services
    from tests.conftest import SYSTEM

    cp = Checkpoint.objects.get(name="Hanano north checkpoint")
    place = Place.objects.filter(kind="area").order_by("id").first()
    common = {"place_id": place.pk, "corridor_id": cp.corridor_id, "opens_at": time(6), "closes_at": time(20),
              "by": SYSTEM}
    meals = services.create_service_point(name="Hanano meal station", kind="meal_station", lon=37.2125,
                                          lat=36.2445, capacity_per_hour=10, capacity_per_day=200,
                                          units_per_person={"meal": 1}, **common)
    aid = services.create_service_point(name="Hanano first-aid point", kind="first_aid", lon=37.2175, lat=36.2495,
                                        capacity_per_hour=500, capacity_per_day=5000, **common)
    services.record_stock(service_point_id=meals.pk, item="meal", kind="received", quantity=500,
                          reason="delivery note 1", at=AT - timedelta(days=1), by=SYSTEM)
    crossings.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=cp.pk, direction="out",
                                    bucket_start=AT - timedelta(hours=1), bucket_minutes=60,
                                    counts={"women": 15, "children": 10}, by=SYSTEM)
    return {"meals": meals, "aid": aid}


def test_coordinator_sees_service_points_by_load_and_stock(browser, live_server, demo_world, hanano_exit):
    from safepassage.servicepoints import services
    from tests.conftest import SYSTEM

    meals, aid = hanano_exit["meals"], hanano_exit["aid"]
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.clock.install()  # real time flows; the 30-second refresh is reached by fast-forwarding
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.servicePointsLoaded === 'true'")
    assert page.locator("[data-testid=toggle-servicepoints]").is_checked()

    # The picture at 09:00 UTC from the time picker: 25 arrivals in the last hour at a station for 10 an hour.
    page.fill("[data-testid=at-input]", "2016-10-20T09:00")
    page.dispatch_event("[data-testid=at-input]", "change")
    page.wait_for_function("document.body.dataset.servicePointsAt === '2016-10-20T09:00:00.000Z'"
                           " && document.body.dataset.servicePointsLoaded === 'true'")
    meal_marker, aid_marker = _marker(page, meals.pk), _marker(page, aid.pk)
    assert meal_marker.get_attribute("data-load") == "overloaded"
    assert meal_marker.get_attribute("data-stock") == "ok"  # 500 meals for 25 a day
    assert "sp-load-overloaded" in meal_marker.get_attribute("class")
    assert meal_marker.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(215, 48, 39)"
    assert aid_marker.get_attribute("data-load") == "ok" and aid_marker.get_attribute("data-stock") == "none"
    assert aid_marker.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(26, 152, 80)"
    assert "overloaded" in page.inner_text("[data-testid=legend]")

    page.evaluate("() => window.safePassageMap.map.setView([36.249, 37.215], 15, {animate: false})")
    meal_marker.click()
    popup = page.locator("[data-testid=sp-popup]")
    assert popup.locator("[data-testid=sp-name]").inner_text() == "Hanano meal station"
    assert "meal station" in popup.locator("[data-testid=sp-kind]").inner_text()
    assert popup.locator("[data-testid=sp-load]").inner_text() == "overloaded"
    assert popup.locator("[data-testid=sp-arrivals]").inner_text() == "25"
    assert popup.locator("[data-testid=sp-served]").inner_text() == "0"
    text = popup.inner_text()
    assert "capacity per hour" in text and "10" in text and "capacity per day" in text and "200" in text
    assert "in stock: 500; days left: 20" in popup.locator("[data-testid=sp-stock]").inner_text()
    assert "exceed meal station capacity (10)" in popup.locator("[data-testid=sp-warnings]").inner_text()
    page.mouse.move(5, 500)  # off the map: the marker's tooltip closes
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    page.screenshot(path=str(ARTIFACTS / "map-servicepoints.png"))

    # The meals run out; the next refresh (30 s later) shows it without reloading the page.
    page.evaluate("() => { window.__sameDocument = true; }")
    services.record_stock(service_point_id=meals.pk, item="meal", kind="issued", quantity=500,
                          reason="distribution", at=AT - timedelta(minutes=30), by=SYSTEM)
    page.clock.fast_forward("00:29")
    assert meal_marker.get_attribute("data-stock") == "ok"
    page.clock.fast_forward("00:02")
    page.wait_for_function(f"document.querySelector(\"[data-testid=sp-marker][data-id='{meals.pk}']\")"
                           ".dataset.stock === 'out'")
    assert page.evaluate("() => window.__sameDocument") is True
    # The open popup is shown again, with the new figures.
    assert popup.locator("[data-testid=sp-stock]").inner_text().startswith("out of stock")
    assert "meal: out of stock" in popup.locator("[data-testid=sp-warnings]").inner_text()

    # Back to now: nobody arrived in the last hour, so the station is within capacity (still without meals).
    page.click("#at-now")
    page.wait_for_function("document.body.dataset.servicePointsAt === 'now'"
                           " && document.body.dataset.servicePointsLoaded === 'true'")
    assert meal_marker.get_attribute("data-load") == "ok" and meal_marker.get_attribute("data-stock") == "out"

    # Switching the layer off removes the markers.
    page.click("[data-testid=toggle-servicepoints]")
    assert page.locator("[data-testid=sp-marker]").count() == 0
    assert not errors, errors


def test_public_does_not_see_service_points(browser, live_server, demo_world, hanano_exit):
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/")
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    assert page.locator("[data-testid=toggle-servicepoints]").count() == 0
    assert page.locator("[data-testid=sp-marker]").count() == 0
    assert page.evaluate("() => window.safePassageMap.groups.servicepoints === undefined")
    assert not [u for u in requests if "/api/servicepoints" in u]
    assert "Service points" not in page.inner_text("#sidebar")
