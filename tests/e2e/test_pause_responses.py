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
