"""The bulletin of 20 October 2016 in a browser: a figure followed to its records, Arabic, and the PDF."""

import json

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e
DAY = "2016-10-20"


def test_bulletin_of_the_demo_day_links_figures_switches_to_arabic_and_downloads_pdf(browser, live_server,
                                                                                      demo_world):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server.url, "coordinator", demo_world["coordinator"])
    page.goto(f"{live_server.url}/bulletins/{DAY}/?tz=Asia/Damascus")
    assert page.inner_text("[data-testid=bulletin-day]")
    row = page.locator("[data-testid=section-convoys] tr[data-key='convoys.delivered']")
    assert row.locator("td.num").first.inner_text() == "1"
    for section in ("corridors", "pauses", "crossings", "medevac", "convoys", "servicepoints", "incidents",
                    "agreements"):
        assert page.locator(f"[data-testid=section-{section}] [data-testid=records-link]").count() >= 1, section
    page.screenshot(path=str(ARTIFACTS / "bulletin-2016-10-20-en.png"), full_page=True)

    # Follow the crossings total to the records it counts: their sum is the figure.
    total = page.locator("tr[data-key='crossings.total_persons']")
    value = int(total.locator("td.num").first.inner_text().replace(",", ""))
    href = total.locator("[data-testid=records-link]").get_attribute("href")
    page.goto(f"{live_server.url}{href}&limit=1")
    records = json.loads(page.inner_text("body"))
    assert value > 0 and records["sum"] == value and records["count"] > 1
    page.go_back()

    # Arabic: the page turns right-to-left, with Arabic headings.
    page.select_option("[data-testid=lang-select]", "ar")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'ar'")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert "/bulletins/2016-10-20/" in page.url
    page.screenshot(path=str(ARTIFACTS / "bulletin-2016-10-20-ar.png"), full_page=True)

    # The PDF, in Arabic now.
    with page.expect_download() as info:
        page.evaluate("""() => { const a = document.querySelector('[data-testid=pdf-link]');
            a.setAttribute('download', 'bulletin-2016-10-20.pdf'); a.click(); }""")
    path = info.value.path()
    content = open(path, "rb").read()
    assert content.startswith(b"%PDF-") and len(content) > 5000
    (ARTIFACTS / "bulletin-2016-10-20-ar.pdf").write_bytes(content)
    assert not errors, errors
