"""The dashboard and the count form in Debian's Chromium: figures refresh without a page reload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time

import pytest

from tests.conftest import SYSTEM

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def _login(page, base, user):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _count(checkpoint, women):
    from safepassage.crossings import services

    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    services.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=checkpoint.pk, direction="out",
                                   bucket_start=hour, bucket_minutes=60, counts={"women": women}, by=SYSTEM)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_dashboard_refreshes_without_reload(browser, live_server, actors, checkpoint, area, open_corridor):
    from safepassage.servicepoints import services as servicepoints

    servicepoints.create_service_point(name="Meal station Jibrin", kind="meal_station", place_id=area.pk,
                                       corridor_id=open_corridor.pk, capacity_per_hour=10, capacity_per_day=100,
                                       opens_at=time(6), closes_at=time(20),
                                       units_per_person={"meal": 1}, by=SYSTEM)
    _count(checkpoint, 30)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "u_partner")
    page.goto(f"{live_server.url}/dashboard/")
    page.fill("input[name=tz]", "UTC")
    page.dispatch_event("input[name=tz]", "change")
    page.wait_for_function("document.querySelector('[data-testid=total-persons]').textContent === '30'")
    assert page.locator("#exits .exit[data-level=critical]").count() == 1  # 30 arrivals / 10 per hour, no meals
    assert page.locator(".leaflet-interactive").count() >= 1  # the service point on the map
    marker = page.evaluate("window.location.href")
    _count(checkpoint, 12)
    page.wait_for_function("document.querySelector('[data-testid=total-persons]').textContent === '42'",
                           timeout=25_000)
    assert page.evaluate("window.location.href") == marker
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_count_form_submits_and_shows_flags(browser, live_server, actors, checkpoint):
    from safepassage.crossings.models import CrossingCount

    page = browser.new_page(viewport={"width": 400, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, live_server.url, "u_field_officer")
    page.goto(f"{live_server.url}/crossings/new/")
    page.fill("input[name=bucket_start]", "2016-10-20T05:00")
    page.fill("input[name=women]", "7")
    page.fill("input[name=leaving_armed_groups_unarmed]", "2")
    page.click("#count-form button[type=submit]")
    page.wait_for_function("document.querySelector('[data-testid=count-result]').textContent.includes('✓')")
    text = page.text_content("[data-testid=count-result]")
    assert "not eligible" in text
    assert page.text_content("[data-testid=outbox]") == "0"
    count = CrossingCount.objects.get()
    assert count.women == 7 and count.review_status == "pending"
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_outbox_empties_through_the_batch_route_and_keeps_refused_counts(browser, live_server, actors, checkpoint):
    from safepassage.crossings.models import CrossingCount

    page = browser.new_page(viewport={"width": 400, "height": 800})
    errors, posts = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: posts.append(r.url.split("/api/")[-1]) if r.method == "POST" else None)
    _login(page, live_server.url, "u_field_officer")
    page.goto(f"{live_server.url}/crossings/new/")
    # counts queued during a network cut, one of them for a checkpoint that does not exist
    page.context.set_offline(True)
    for women in ("3", "4"):
        page.fill("input[name=bucket_start]", "2016-10-20T05:00")
        page.fill("input[name=women]", women)
        page.click("#count-form button[type=submit]")
    page.wait_for_function("document.querySelector('[data-testid=outbox]').textContent === '2'")
    page.evaluate("""() => {
        const box = JSON.parse(localStorage.getItem('safepassage.crossings.outbox'));
        const bad = JSON.parse(JSON.stringify(box[0]));
        bad.item.client_uuid = crypto.randomUUID(); bad.item.checkpoint_id = 999999;
        localStorage.setItem('safepassage.crossings.outbox', JSON.stringify(box.concat([bad])));
    }""")
    posts.clear()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("[data-testid=refused-count]")
    assert posts == ["crossings/counts/batch"]
    assert sorted(CrossingCount.objects.values_list("women", flat=True)) == [3, 4]
    assert page.text_content("[data-testid=outbox]") == "0"
    assert "checkpoint" in page.text_content("[data-testid=refused-count]")
    assert "2" in page.text_content("[data-testid=count-result]")
    page.click("[data-testid=refused-count] button")  # the user discards it
    assert page.locator("[data-testid=refused-count]").count() == 0
    assert page.evaluate("localStorage.getItem('safepassage.crossings.outbox')") == "[]"
    assert not errors, errors
