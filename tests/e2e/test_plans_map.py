"""Planning on the map in a real browser: a safe route between two picked points, then a corridor from it.

Plans are computed by the background worker: a real `safepassage worker` process beside the live server,
or the worker run in the test's process at the moment the test chooses.
"""

import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import _login

pytestmark = pytest.mark.e2e


def _click_lonlat(page, lon, lat):
    point = page.evaluate(f"() => window.safePassageMap.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


@pytest.fixture
def worker(live_server, demo_world):
    """`safepassage worker` on the test database, stopped at the end."""
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SAFEPASSAGE_SQLITE"] = str(connection.settings_dict["NAME"])
    proc = subprocess.Popen([sys.executable, "-m", "safepassage.cli", "worker", "--interval", "0.2"], env=env,
                            stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def test_plan_a_route_and_make_it_a_corridor(browser, live_server, demo_world, worker):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    page.uncheck("[data-testid=toggle-sites]")
    page.click("[data-testid=pick-from]")
    _click_lonlat(page, 37.2056, 36.2283)  # Hanano
    page.click("[data-testid=pick-to]")
    _click_lonlat(page, 37.1089, 36.1882)  # al-Hamdaniyeh II
    page.select_option("#plan-alternatives", "2")
    page.click("[data-testid=plan-route-btn]")
    page.wait_for_selector("[data-testid=plan-route]")
    assert page.locator("[data-testid=plan-route]").count() >= 1
    assert "km" in page.inner_text("[data-testid=plan-result]")
    page.screenshot(path=str(ARTIFACTS / "plan-route.png"))

    page.fill("#corridor-from-plan input[name=name]", "Planned east-west route")
    page.check("#corridor-from-plan input[value=civilians]")
    page.click("#corridor-from-plan button[type=submit]")
    page.wait_for_selector("[data-testid=plan-corridor-created]")
    from safepassage.corridors.models import Corridor

    assert Corridor.objects.filter(name="Planned east-west route", status="closed").exists()


def test_evacuation_flows_by_minute(browser, live_server, demo_world):
    from safepassage.accounts.models import User
    from safepassage.core.principal import principal_for_user
    from safepassage.jobs.worker import run_pending
    from safepassage.plans import services

    run = services.run_evacuation(origins=[(37.2056, 36.2283, 2000), (37.1852, 36.2093, 1500)],
                                  exits=[(37.1089, 36.1882, 40)], window_min=180,
                                  by=principal_for_user(User.objects.get(username="coordinator")))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    page.fill("[data-testid=plan-run-id]", str(run.pk))
    page.click("[data-testid=plan-show-btn]")
    page.wait_for_selector("[data-testid=plan-progress]")  # queued: no worker has taken it yet
    assert run.status == "queued"
    run_pending()
    page.wait_for_function(f"document.body.dataset.planShown === '{run.pk}'")
    run.refresh_from_db()
    assert run.status == "ok"
    summary = page.inner_text("[data-testid=evac-summary]")
    assert str(run.result["evacuated"]) in summary
    page.fill("[data-testid=evac-minute]", "60")
    page.dispatch_event("[data-testid=evac-minute]", "input")
    assert "60" in page.inner_text("#evac-minute-label")
    page.screenshot(path=str(ARTIFACTS / "plan-evacuation.png"))
