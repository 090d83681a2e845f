"""Arabic pages in Debian's Chromium: the live picture (Arabic corridor names, Western digits grouped, Levantine
months) and the map's parties by their Arabic names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.conftest import SYSTEM

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def _arabic_page(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    context.add_cookies([{"name": "django_language", "value": "ar", "url": base}])
    return context, page


@pytest.mark.django_db(transaction=True)
def test_the_map_names_parties_in_arabic(browser, live_server, actors, parties):
    from safepassage.accounts.models import Party

    Party.objects.filter(pk=parties["A"].pk).update(name_ar="الطرف الأول")
    context, page = _arabic_page(browser, live_server.url, "u_monitor")
    page.goto(f"{live_server.url}/")
    page.wait_for_function("document.querySelector('[data-testid=legend]').textContent.includes('Party B')")
    legend = page.locator("[data-testid=legend]").inner_text()
    assert "الطرف الأول" in legend and "Party A" not in legend and "Party B" in legend  # B has no Arabic name
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_in_arabic(browser, live_server, actors, checkpoint, open_corridor):
    from safepassage.corridors.models import Corridor
    from safepassage.crossings import services

    Corridor.objects.filter(pk=open_corridor.pk).update(name_ar="ممر طريق الكاستيلو")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    services.submit_crossing_count(client_uuid=uuid.uuid4(), checkpoint_id=checkpoint.pk, direction="out",
                                   bucket_start=hour, bucket_minutes=60, counts={"women": 1500}, by=SYSTEM)
    context, page = _arabic_page(browser, live_server.url, "u_partner")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/dashboard/")
    page.fill("input[name=tz]", "UTC")
    page.dispatch_event("input[name=tz]", "change")
    page.wait_for_function("document.querySelector('[data-testid=total-persons]').textContent === '1,500'")
    heading = page.locator("#crossing-charts h3").first.inner_text()
    assert "ممر طريق الكاستيلو" in heading and "Castello" not in heading and "1,500" in heading
    updated = page.locator("[data-testid=updated]").inner_text()
    assert not any("\u0660" <= ch <= "\u0669" for ch in updated)  # Western digits, as the server's pages
    october = page.evaluate("SP.dateTime('2016-10-20T09:00:00Z', { dateStyle: 'long', timeZone: 'UTC' })")
    assert "تشرين الأول" in october and "أكتوبر" not in october and "20" in october
    assert page.evaluate("SP.locale()") == "ar-SY-u-nu-latn"
    assert not errors, errors
    context.close()
