"""Party liaisons answer a pause from their own sessions; the coordinator then marks it agreed."""

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import _login

pytestmark = pytest.mark.e2e


def test_two_liaisons_accept_and_the_coordinator_agrees(browser, live_server, demo_world):
    from safepassage.pauses.models import Pause

    pause = Pause.objects.get(title__startswith="Proposed extension")
    for liaison in ("liaison_a", "liaison_b"):
        ctx = browser.new_context()
        page = ctx.new_page()
        _login(page, live_server.url, liaison, demo_world[liaison])
        item = page.locator(f".pause-item[data-pause='{pause.pk}']")
        item.wait_for()
        form = item.locator(".respond-form")
        if liaison == "liaison_a":
            # Party A's response is already on record in the demo; answering again keeps it accepted.
            assert form.locator("option").count() == 1
        form.locator("button[value=accepted]").click()
        page.wait_for_function(
            f"document.querySelector(\".pause-item[data-pause='{pause.pk}']\").textContent.includes('{liaison}')")
        ctx.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, live_server.url, "coordinator", demo_world["coordinator"])
    item = page.locator(f".pause-item[data-pause='{pause.pk}']")
    item.wait_for()
    item.locator(".pause-status-form select").select_option("agreed")
    item.locator(".pause-status-form button").click()
    page.wait_for_function(
        f"document.querySelector(\".pause-item[data-pause='{pause.pk}'] .badge\").textContent === 'agreed'")
    page.screenshot(path=str(ARTIFACTS / "pause-agreed.png"))
    pause.refresh_from_db()
    assert pause.status == "agreed"
    assert set(pause.responses.values_list("by__username", flat=True)) == {"liaison_a", "liaison_b"}


def test_a_liaison_withdraws_an_agreed_pause_and_everyone_sees_it(browser, live_server, demo_world):
    from datetime import timedelta

    from safepassage.core.timeutil import now
    from safepassage.pauses.models import Pause

    pause = Pause.objects.get(title__startswith="Humanitarian pause, 20 October")
    # The demo's agreed pause, moved to cover this moment so that it is in force now.
    Pause.objects.filter(pk=pause.pk).update(starts_at=now() - timedelta(hours=1), ends_at=now() + timedelta(hours=5))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "liaison_b", demo_world["liaison_b"])
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    assert "Humanitarian pause, 20 October" in page.inner_text("[data-testid=open-now]")
    item = page.locator(f".pause-item[data-pause='{pause.pk}']")
    item.wait_for()
    item.locator("input[name=note]").fill("Shelling resumed on the route")
    item.locator("button[value=refused]").click()
    page.wait_for_function(
        f"document.querySelector(\".pause-item[data-pause='{pause.pk}'] .badge\").textContent === 'withdrawn'")
    page.wait_for_function("!document.querySelector('[data-testid=open-now]').textContent"
                           ".includes('Humanitarian pause, 20 October')")
    pause.refresh_from_db()
    assert pause.status == "withdrawn" and pause.withdrawal_reason == "Shelling resumed on the route"
    assert f"Withdrawn by {pause.withdrawn_by_party.short_name}" in item.inner_text()
    page.screenshot(path=str(ARTIFACTS / "pause-withdrawn-liaison.png"))

    # The public, in Arabic: the pause shows as withdrawn (terms only), and nothing claims it is in force.
    public = browser.new_page(viewport={"width": 1280, "height": 900})
    public.on("pageerror", lambda e: errors.append(str(e)))
    public.goto(f"{live_server.url}/")
    public.select_option("[data-testid=lang-select]", "ar")
    public.wait_for_load_state("load")
    public.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    badge = public.locator(f".pause-item[data-pause='{pause.pk}'] .badge")
    badge.wait_for()
    assert badge.inner_text() == "مسحوبة"
    assert public.locator(f".pause-item[data-pause='{pause.pk}'] li").count() == 0  # no party's response
    assert "هدنة إنسانية، 20 تشرين الأول 2016" not in public.inner_text("[data-testid=open-now]")
    public.screenshot(path=str(ARTIFACTS / "pause-withdrawn-public-ar.png"))
    assert not errors, errors
