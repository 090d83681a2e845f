"""Planning on the map in a real browser: a safe route between two picked points, then a corridor from it.

Plans are computed by the background worker: a real `safepassage worker` process beside the live server,
or the worker run in the test's process at the moment the test chooses.
"""

import html
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
    assert f"{run.result['evacuated']:,} of 3,500 people" in summary  # formatted for the page (en)
    page.fill("[data-testid=evac-minute]", "60")
    page.dispatch_event("[data-testid=evac-minute]", "input")
    assert "60" in page.inner_text("#evac-minute-label")
    page.screenshot(path=str(ARTIFACTS / "plan-evacuation.png"))


def _plan_page(browser, live_server, demo_world):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true' && document.body.dataset.planOptionsLoaded === 'true'")
    page.uncheck("[data-testid=toggle-sites]")
    page.uncheck("[data-testid=toggle-incidents]")
    return page


def _areas_with_figures(count):
    from shapely.geometry import shape

    from safepassage.places.models import Place, PopulationFigure

    ids = PopulationFigure.objects.order_by("place__name").values_list("place_id", flat=True).distinct()[:count]
    areas = [Place.objects.get(pk=i) for i in ids]
    figures = {a.name: PopulationFigure.objects.filter(place=a).order_by("-as_of", "-id").first().people for a in areas}
    return areas, figures, [shape(a.geometry).representative_point() for a in areas]


def _tooltips(page, name):
    """The text of every tooltip a plan layer (or its hazards) shows (their HTML unescaped)."""
    return [html.unescape(t) for t in page.evaluate(f"""() => {{ const out = [];
      window.safePassagePlans.{name}.eachLayer(function walk(l) {{
        if (l.getTooltip && l.getTooltip()) out.push(String(l.getTooltip().getContent()));
        if (l.eachLayer) l.eachLayer(walk); }});
      return out; }}""")]


def test_evacuation_plan_from_the_form_names_places_and_totals(browser, live_server, demo_world, worker):
    from safepassage.accounts.models import User
    from safepassage.core.principal import principal_for_user
    from safepassage.corridors.models import Checkpoint
    from safepassage.incidents import hazards
    from safepassage.plans.models import PlanRun

    areas, figures, points = _areas_with_figures(3)
    corridor = Checkpoint.objects.filter(capacity_per_minute__gt=0).select_related("corridor").first().corridor
    coordinator = principal_for_user(User.objects.get(username="coordinator"))
    hazards.record_hazard(kind="shelling_zone", geometry={"type": "Point", "coordinates": [points[0].x, points[0].y]},
                          by=coordinator)
    page = _plan_page(browser, live_server, demo_world)
    assert page.is_visible("[data-testid=plan-network-note]")  # the demo has no road network
    assert "SAFEPASSAGE_ROAD_NETWORK" in page.inner_text("[data-testid=plan-network-note]")
    option_text = page.inner_text(f"#evac-areas option[value='{areas[1].pk}']")
    assert areas[1].name in option_text and f"{figures[areas[1].name]:,}" in option_text  # population, by name
    page.select_option("#evac-areas", [str(a.pk) for a in areas[1:]])
    page.click("[data-testid=evac-pick-area]")  # the first area: clicked on the map
    _click_lonlat(page, points[0].x, points[0].y)
    assert sorted(page.eval_on_selector("#evac-areas", "s => Array.from(s.selectedOptions, o => Number(o.value))")) == \
        sorted(a.pk for a in areas)
    page.select_option("#evac-corridors", str(corridor.pk))
    page.fill("[data-testid=evac-window]", "٢٤٠")  # Arabic-Indic digits are read too
    page.click("[data-testid=evac-run]")
    page.wait_for_selector("[data-testid=evac-summary]", timeout=60000)
    run = PlanRun.objects.get(kind="evacuation")
    assert run.status == "ok" and run.inputs["window_min"] == 240
    total = sum(figures.values())
    assert run.result["total_people"] == total
    summary = page.inner_text("[data-testid=plan-total]")
    assert summary == f"{run.result['evacuated']:,} of {total:,} people out by the end of the window"
    result_text = page.inner_text("[data-testid=plan-result]")
    assert corridor.name in result_text and all(a.name in result_text for a in areas)
    tips = _tooltips(page, "layer")
    assert tips and all(" people from " in t for t in tips)
    names = {a.name for a in areas}
    assert all(any(nm in t for nm in names) for t in tips), tips  # each group names its area, never a node number
    hazard_tips = _tooltips(page, "hazardLayer")
    assert f"⚠ shelling in {areas[0].name}" in hazard_tips  # beside the demo's own hazards
    assert "Hazards in force used by the plan" in page.inner_text("[data-testid=plan-legend]")
    page.screenshot(path=str(ARTIFACTS / "plan-evacuation-form.png"))

    from safepassage.pauses.models import Pause  # the same question for a pause, from the panel

    pause = Pause.objects.filter(status__in=["proposed", "agreed", "active"], places__population_figures__isnull=False,
                                 corridors__checkpoints__capacity_per_minute__gt=0).distinct().first()
    page.select_option("#evac-pause", str(pause.pk))
    page.click("[data-testid=evac-pause-run]")
    page.wait_for_selector("[data-testid=evac-pause-title]", timeout=60000)
    pause_run = PlanRun.objects.filter(kind="evacuation").order_by("-id").first()
    assert pause_run.inputs["pause_id"] == pause.pk and pause.title in page.inner_text("[data-testid=plan-result]")
    assert f"of {pause_run.result['total_people']:,} people" in page.inner_text("[data-testid=plan-total]")
    page.screenshot(path=str(ARTIFACTS / "plan-evacuation-pause.png"))


def test_siting_plan_from_the_form_names_sites_and_totals(browser, live_server, demo_world, worker):
    from shapely.geometry import shape

    from safepassage.places.models import Place
    from safepassage.plans.models import PlanRun

    areas, figures, points = _areas_with_figures(4)
    near = points[0]  # the six sites nearest the first area (the demo's sites also reach beyond the city)
    city_sites = Place.objects.filter(kind="site").exclude(site_type="populated_place")
    sites = sorted(city_sites, key=lambda p: shape(p.geometry).distance(near))[:6]
    page = _plan_page(browser, live_server, demo_world)
    page.select_option("#siting-candidates", [str(s.pk) for s in sites] + [str(areas[0].pk)])
    page.select_option("#siting-areas", [str(a.pk) for a in areas])
    page.fill("[data-testid=siting-k]", "2")
    page.fill("[data-testid=siting-radius]", "1500")
    page.click("[data-testid=siting-run]")
    page.wait_for_selector("[data-testid=siting-summary]", timeout=60000)
    run = PlanRun.objects.get(kind="siting")
    assert run.status == "ok"
    total = sum(figures.values())
    covered = round(run.result["covered"])
    assert page.inner_text("[data-testid=plan-total]") == f"{covered:,} of {total:,} people covered"
    chosen = {p.pk: p.name for p in Place.objects.filter(pk__in=[int(s) for s in run.result["sites"]])}
    shown = page.inner_text("[data-testid=siting-sites]")
    assert shown == ", ".join(chosen[int(s)] for s in run.result["sites"])
    assert not any(str(pk) == part.strip() for pk in chosen for part in shown.split(","))
    assert sorted(_tooltips(page, "layer")) == sorted(chosen.values())
    assert "Proposed sites" in page.inner_text("[data-testid=plan-legend]")
    page.screenshot(path=str(ARTIFACTS / "plan-siting-form.png"))


def test_plan_form_refuses_a_bad_number_naming_the_field(browser, live_server, demo_world):
    page = _plan_page(browser, live_server, demo_world)
    page.fill("[data-testid=evac-window]", "1.5")
    page.click("[data-testid=evac-run]")
    page.wait_for_function("document.getElementById('plan-error').textContent.includes('Window (minutes)')")
    page.fill("[data-testid=evac-window]", "60")
    page.click("[data-testid=evac-run]")
    page.wait_for_function("document.getElementById('plan-error').textContent.includes('Choose at least one')")


def test_siting_plan_in_arabic_reads_in_arabic(browser, live_server, demo_world, worker):
    from safepassage.plans.models import PlanRun

    areas, figures, points = _areas_with_figures(2)
    page = _plan_page(browser, live_server, demo_world)
    page.select_option("[data-testid=lang-select]", "ar")
    page.wait_for_load_state("load")
    page.wait_for_function("document.body.dataset.planOptionsLoaded === 'true'")
    assert "خطة تحديد المواقع" in page.inner_text("[data-testid=plan-panel]")
    assert "SAFEPASSAGE_ROAD_NETWORK" in page.inner_text("[data-testid=plan-network-note]")
    page.select_option("#siting-candidates", [str(a.pk) for a in areas])
    page.select_option("#siting-areas", [str(a.pk) for a in areas])
    page.fill("[data-testid=siting-k]", "١")  # Arabic-Indic digits
    page.click("[data-testid=siting-run]")
    page.wait_for_selector("[data-testid=siting-summary]", timeout=60000)
    run = PlanRun.objects.get(kind="siting")
    covered, total = page.evaluate(f"[new Intl.NumberFormat('ar').format({round(run.result['covered'])}), "
                                   f"new Intl.NumberFormat('ar').format({sum(figures.values())})]")
    assert page.inner_text("[data-testid=plan-total]") == f"تمت تغطية {covered} من أصل {total} شخص"
    page.screenshot(path=str(ARTIFACTS / "plan-siting-ar.png"))
