"""The count form on a phone in Debian's Chromium: it opens from the service worker with no network, takes
Arabic-Indic digits, stores one count for a double tap, and says in words what was stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.conftest import ARTIFACTS, SYSTEM

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
HOUR = "2016-10-20T09:00"  # local time of the browser (UTC in the test run), inside the corridor's hours


def _login(page, base, user):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"count-form-{name}.png"), full_page=True)


def _open_form(page, base):
    page.goto(f"{base}/crossings/new/")
    page.wait_for_selector("html[data-offline-ready]")  # the service worker runs and the page is in its cache


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_count_form_offline_from_cold_start(browser, live_server, actors, checkpoint):
    from safepassage.crossings.models import CrossingCount

    context = browser.new_context(**PHONE, timezone_id="UTC")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "u_field_officer")
    _open_form(page, live_server.url)
    assert "older people" in page.text_content("[data-testid=definition-women]")
    assert "not of people" in page.text_content("[data-testid=definition-weapons_handed_over]")
    assert page.get_attribute("input[name=women]", "type") == "text"
    page.close()
    # a checkpoint added after the form was cached: a page from the network would list it
    from safepassage.corridors import services as corridors

    corridors.add_checkpoint(corridor=checkpoint.corridor, name="Added later", lon=37.2, lat=36.3, by=SYSTEM)

    # cold start with the network cut: the page comes from the service worker's cache
    context.set_offline(True)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{live_server.url}/crossings/new/")
    assert response is not None and response.from_service_worker
    page.wait_for_selector("#count-form")
    assert "Added later" not in page.content()
    page.fill("input[name=bucket_start]", HOUR)
    page.fill("input[name=women]", "١٢")  # Arabic-Indic 12
    page.fill("input[name=children]", "۳۰")  # Eastern Arabic-Indic 30
    page.dblclick("[data-testid=save]")
    page.click("[data-testid=save]")  # and a third tap for good measure
    page.wait_for_function("document.querySelector('[data-testid=count-result]').textContent"
                           ".includes('Saved on this phone')")
    assert page.text_content("[data-testid=outbox]") == "1"
    waiting = page.text_content("[data-testid=waiting]")
    assert "12 women" in waiting and "30 children under 18" in waiting and "09:00–10:00" in waiting
    assert len(page.evaluate("JSON.parse(localStorage.getItem('safepassage.crossings.outbox'))")) == 1
    _shot(page, "offline-saved")
    assert CrossingCount.objects.count() == 0

    # the network returns: the queue is sent, and the page says what was stored
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("[data-testid=stored-count]")
    stored = page.text_content("[data-testid=stored-count]")
    assert stored.startswith("Stored:") and "12 women" in stored and "Castello CP" in stored
    assert "09:00–10:00" in stored
    assert page.text_content("[data-testid=outbox]") == "0"
    count = CrossingCount.objects.get()
    assert (count.women, count.children) == (12, 30)
    _shot(page, "sent")

    # the same form sent again is recognised, not counted twice
    page.click("[data-testid=save]")
    assert "already saved" in page.text_content("[data-testid=count-result]")
    assert CrossingCount.objects.count() == 1
    assert not errors, errors
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_huge_count_asks_first_and_an_overlap_offers_a_correction(browser, live_server, actors, checkpoint):
    from safepassage.crossings import services
    from safepassage.crossings.models import CrossingCount

    first = uuid.uuid4()
    services.submit_crossing_count(client_uuid=first, checkpoint_id=checkpoint.pk, direction="out",
                                   bucket_start=datetime(2016, 10, 20, 9, tzinfo=UTC), bucket_minutes=60,
                                   counts={"women": 5}, by=SYSTEM)
    context = browser.new_context(**PHONE, timezone_id="UTC")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "u_field_officer")
    page.goto(f"{live_server.url}/crossings/new/")
    page.fill("input[name=bucket_start]", HOUR)
    page.fill("input[name=men]", "abc")
    page.click("[data-testid=save]")
    assert "not a whole number" in page.text_content("[data-testid=count-result]")
    page.fill("input[name=men]", "٨٠٠٠")  # 8000
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=confirm-high]:not([hidden])")
    assert "8000" in page.text_content("[data-testid=confirm-high]")
    assert CrossingCount.objects.count() == 1  # nothing sent before the answer
    _shot(page, "confirm-high")
    page.click("[data-testid=confirm-high-yes]")
    page.wait_for_selector("[data-testid=flag-unusually_high]")
    page.wait_for_selector("[data-testid=flag-overlapping]")
    assert "correct it instead" in page.text_content("[data-testid=flag-overlapping]")
    high = CrossingCount.objects.get(men=8000)
    assert {f["code"] for f in high.flags} >= {"unusually_high", "overlapping"}
    assert high.review_status == "pending"
    _shot(page, "flags")

    # correct the earlier count instead: the new submission supersedes it
    page.click("[data-testid=correct-instead]")
    assert page.is_visible("[data-testid=correcting]")
    page.fill("input[name=men]", "80")
    page.click("[data-testid=save]")
    page.wait_for_function("document.querySelectorAll('[data-testid=stored-count]').length === 2")
    correction = CrossingCount.objects.get(men=80)
    assert correction.supersedes_uuid == first
    assert not errors, errors
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_count_form_reads_right_in_arabic(browser, live_server, actors, checkpoint):
    from safepassage.crossings.models import CrossingCount

    context = browser.new_context(**PHONE, timezone_id="UTC", locale="ar")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "u_field_officer")
    page.goto(f"{live_server.url}/crossings/new/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert "كبار السن" in page.text_content("[data-testid=definition-women]")
    page.fill("input[name=bucket_start]", HOUR)
    page.fill("input[name=women]", "٧")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=stored-count]")
    stored = page.locator("[data-testid=stored-count]")
    assert stored.text_content().startswith("حُفظت:")
    assert stored.locator("bdi[dir=ltr]").last.text_content() == "2016-10-20 09:00–10:00"  # never reversed
    assert CrossingCount.objects.get().women == 7
    _shot(page, "arabic")
    assert not errors, errors
    context.close()
