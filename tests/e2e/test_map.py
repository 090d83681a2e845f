"""The map page in a real browser: layers, toggles, Arabic right-to-left, corridor details."""

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e
_login = sign_in  # the other browser tests import it from here


def test_map_layers_toggle_arabic_and_corridor_details(browser, live_server, demo_world):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    # The picture on 20 October 2016 at noon (Damascus), during the agreed pause.
    page.fill("[data-testid=at-input]", "2016-10-20T09:00")
    page.dispatch_event("[data-testid=at-input]", "change")
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    counts = page.evaluate("""() => { const d = window.safePassageMap.data;
        return {areas: d.areas.features.length, sites: d.sites.features.length,
                corridors: d.corridors.features.length, pauses: d.pauses.length,
                paths: document.querySelectorAll('.leaflet-overlay-pane path').length}; }""")
    assert counts["areas"] == 126 and counts["sites"] == 210 and counts["corridors"] == 4
    assert counts["pauses"] == 1 and counts["paths"] > 126
    assert "Humanitarian pause, 20 October 2016" in page.inner_text("[data-testid=open-now]")

    # Toggling the sites layer removes its markers from the map.
    sites_before = page.evaluate("() => window.safePassageMap.map.hasLayer(window.safePassageMap.groups.sites)")
    page.click("[data-testid=toggle-sites]")
    sites_after = page.evaluate("() => window.safePassageMap.map.hasLayer(window.safePassageMap.groups.sites)")
    assert sites_before and not sites_after

    # Corridor details on click.
    page.evaluate("""() => { const g = window.safePassageMap.groups.corridors;
        const layer = g.getLayers().flatMap(l => l.getLayers ? l.getLayers() : [l])
          .find(l => l.feature && l.feature.properties.name === 'Bustan al-Qasr crossing');
        layer.fire('click'); }""")
    assert page.inner_text("[data-testid=corridor-title]") == "Bustan al-Qasr crossing"
    # 12:00 in Damascus: still open; it was suspended at 15:30 that day.
    assert "open" in page.inner_text("[data-testid=corridor-status]")
    page.screenshot(path=str(ARTIFACTS / "map-en.png"))

    # Switch to Arabic: the page turns right-to-left and shows Arabic names.
    page.select_option("[data-testid=lang-select]", "ar")
    page.wait_for_load_state("load")
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "الطبقات" in page.inner_text("#sidebar")  # "Layers", from the Arabic catalogue
    page.screenshot(path=str(ARTIFACTS / "map-ar.png"))
    assert not errors, errors


def test_public_sees_corridors_but_not_control(browser, live_server, demo_world):
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    data = page.evaluate("() => window.safePassageMap.data")
    assert data["control_visible"] is False and data["parties"] == []
    assert all("party_id" not in f["properties"] for f in data["areas"]["features"])
    assert page.locator("[data-testid=corridor-form]").count() == 0


def test_coordinator_draws_a_corridor_on_the_map(browser, live_server, demo_world):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    page.fill("#corridor-form input[name=name]", "Drawn corridor")
    page.check("#corridor-form input[value=civilians]")
    page.click("[data-testid=draw-line]")
    box = page.locator("#map").bounding_box()
    for dx, dy in ((0.3, 0.3), (0.45, 0.4), (0.6, 0.5)):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        page.wait_for_timeout(350)  # beyond the double-click interval
    page.mouse.dblclick(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
    assert "Route ready" in page.inner_text("#line-state")
    page.click("#corridor-form button[type=submit]")
    page.wait_for_function("document.querySelector('#line-state').textContent.includes('Drawn corridor')")
    from safepassage.corridors.models import Corridor

    drawn = Corridor.objects.get(name="Drawn corridor")
    assert drawn.geometry["type"] == "LineString" and len(drawn.geometry["coordinates"]) >= 3
    assert drawn.status == "closed"


@pytest.mark.parametrize("user", ["partner", "field", "liaison_a"])
def test_map_has_no_script_errors_for_other_roles(browser, live_server, demo_world, user):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, user, demo_world[user])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    assert not errors, errors
    # Nothing wider than a phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
