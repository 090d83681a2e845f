"""The incidents layer in a real browser: clustered damage observations, filters, the public's view."""

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e


def _loaded(page):
    page.wait_for_function("document.body.dataset.incidentsLoaded === 'true'")
    return page.evaluate("() => window.safePassageMap.incidents.count")


def test_incidents_are_clustered_and_filtered(browser, live_server, demo_world):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "coordinator", demo_world["coordinator"])
    total = _loaded(page)
    assert 300 < total <= 420  # the e2e demo keeps a spread of about 200 points of each damage dataset
    page.wait_for_selector(".marker-cluster")
    assert page.locator(".marker-cluster").count() >= 1
    assert page.evaluate("() => window.safePassageMap.map.hasLayer(window.safePassageMap.incidents.cluster)")
    page.screenshot(path=str(ARTIFACTS / "map-incidents-clustered.png"))

    page.select_option("[data-testid=incidents-status]", "verified")
    assert _loaded(page) == 1  # the damage observations are unverified; one incident of 20 October is verified
    page.select_option("[data-testid=incidents-status]", "unverified")
    page.select_option("[data-testid=incidents-category]", "damage_observed")
    assert _loaded(page) == total - 4  # not the three incidents of 20 October, nor the convoy held at a roadblock
    page.fill("[data-testid=incidents-from]", "2015-04-01")
    page.dispatch_event("[data-testid=incidents-from]", "change")
    page.fill("[data-testid=incidents-to]", "2015-04-30")
    page.dispatch_event("[data-testid=incidents-to]", "change")
    in_april = _loaded(page)
    assert 0 < in_april < total
    assert "incidents shown" in page.inner_text("[data-testid=incidents-count]")

    page.click("[data-testid=toggle-incidents]")
    assert not page.evaluate("() => window.safePassageMap.map.hasLayer(window.safePassageMap.incidents.cluster)")
    assert not errors, errors


def test_the_public_sees_no_unverified_incident(browser, live_server, demo_world):
    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    assert _loaded(page) == 1  # the one verified and published incident of 20 October
    assert page.locator(".marker-cluster").count() == 0
