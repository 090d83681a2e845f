"""Hazards on the map: a mine report near a corridor warns everyone; a coordinator suspends it from the warning;
a pause's evacuation capacity from the records, drawn on the map."""

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e

ON_CASTELLO = {"type": "Point", "coordinates": [37.185, 36.244]}  # a vertex of the demo's Castello Road line


def test_mine_warning_and_suspend_from_it(browser, live_server, demo_world):
    from safepassage.corridors.models import Corridor
    from safepassage.incidents import hazards
    from tests.conftest import SYSTEM

    h = hazards.record_hazard(kind="mines_uxo_ied", geometry=ON_CASTELLO, by=SYSTEM)
    castello = Corridor.objects.get(name="Castello Road corridor")
    assert castello.status == "open"

    public = browser.new_page()
    errors = []
    public.on("pageerror", lambda e: errors.append(str(e)))
    public.goto(f"{live_server.url}/")
    public.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    banner = public.inner_text("[data-testid=hazard-banner]")
    assert "Castello Road corridor" in banner and "mine reported at 36.2440, 37.1850, unverified" in banner
    assert public.query_selector("[data-testid=suspend-from-hazard]") is None  # the public only reads
    assert public.evaluate("() => window.safePassageMap.data.hazards.features.length") == 2  # and the demo day's

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    page.screenshot(path=str(ARTIFACTS / "hazard-warning.png"))
    page.click(f"[data-testid=hazard-banner] [data-testid=suspend-from-hazard][data-hazard='{h.pk}']")
    page.wait_for_function("() => !document.querySelector('[data-testid=hazard-banner] [data-testid=suspend-from-hazard]')")
    castello.refresh_from_db()
    assert castello.status == "suspended"
    assert castello.status_history.last().reason.startswith(f"Suspended for hazard #{h.pk}: mine reported")
    page.screenshot(path=str(ARTIFACTS / "hazard-suspended.png"))
    assert not errors, errors


def test_pause_evacuation_capacity_from_the_records(browser, live_server, demo_world):
    from safepassage.jobs.worker import run_pending
    from safepassage.places.models import PopulationFigure

    assert PopulationFigure.objects.filter(illustrative=True).exists()  # the demo's figures, labelled so
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    page.click("[data-testid=evac-plan] >> nth=0")
    page.wait_for_selector("[data-testid=plan-progress]")
    run_pending()
    page.wait_for_selector("[data-testid=evac-by-corridor]", timeout=60000)
    assert "Illustrative figure" in page.inner_text("#plan-result")
    page.screenshot(path=str(ARTIFACTS / "pause-evacuation.png"))
