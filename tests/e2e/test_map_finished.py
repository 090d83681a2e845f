"""The map, finished (issue #17 item 8): the moment in the address, hours, pause labels, pauses without a reload."""

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e
NIGHT = "2016-10-20T02:00"  # 05:00 in Aleppo: Castello Road is open (since 13 October) but outside 08:00-19:00
NOON = "2016-10-20T09:00"  # 12:00 in Aleppo, during the agreed pause


def loaded(page):
    """Wait for the layers, and return the map's data."""
    page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    return page.evaluate("() => window.safePassageMap.data")


def corridor(data, name):
    """The properties of the corridor called `name` in the map's data."""
    return next(f["properties"] for f in data["corridors"]["features"] if f["properties"]["name"] == name)


def stroke(page, corridor_id):
    """The drawn colour and dashes of a corridor's line."""
    return page.evaluate("""(id) => { const p = document.querySelector('path.corridor-' + id);
        return [p.getAttribute('stroke'), p.getAttribute('stroke-dasharray')]; }""", corridor_id)


def test_the_moment_is_in_the_address_and_a_shared_link_opens_it(browser, live_server, demo_world):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/?at={NIGHT}Z")
    data = loaded(page)
    assert page.input_value("[data-testid=at-input]") == NIGHT
    assert data["at"].startswith(NIGHT)  # the layers request used the address's moment

    # A corridor open but outside its hours is not drawn as open.
    castello = corridor(data, "Castello Road corridor")
    assert castello["status"] == "open" and castello["drawn_as"] == "outside_hours" and not castello["open_now"]
    assert stroke(page, castello["id"]) == ["#777777", "8 6"]
    assert "Castello Road" not in page.inner_text("[data-testid=open-now]")
    page.evaluate("""(id) => window.safePassageMap.groups.corridors.getLayers()
        .flatMap(l => l.getLayers ? l.getLayers() : [l])
        .find(l => l.feature && l.feature.properties.id === id).fire('click')""", castello["id"])
    assert "outside its hours" in page.inner_text("[data-testid=corridor-outside-hours]")
    page.screenshot(path=str(ARTIFACTS / "map-outside-hours.png"))

    # Moving the time control writes the moment into the address...
    page.fill("[data-testid=at-input]", NOON)
    page.dispatch_event("[data-testid=at-input]", "change")
    data = loaded(page)
    assert page.url == f"{live_server.url}/?at={NOON}Z"
    assert corridor(data, "Castello Road corridor")["drawn_as"] == "open"
    # ...and that address, opened elsewhere, shows the same picture.
    shared = browser.new_page(viewport={"width": 1280, "height": 860})
    shared.goto(page.url)
    again = loaded(shared)
    assert again["at"] == data["at"] and shared.input_value("[data-testid=at-input]") == NOON
    assert shared.inner_text("[data-testid=open-now]") == page.inner_text("[data-testid=open-now]")
    # Switching the language keeps the moment.
    shared.select_option("[data-testid=lang-select]", "ar")
    shared.wait_for_function("document.documentElement.lang === 'ar'")
    assert loaded(shared)["at"] == data["at"] and shared.url == page.url
    shared.screenshot(path=str(ARTIFACTS / "map-shared-moment-ar.png"))
    # "Now" takes the moment out of the address.
    page.click("#at-now")
    loaded(page)
    assert page.url == f"{live_server.url}/"
    assert not errors, errors


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of a computed `rgb(r, g, b)` colour."""
    values = [int(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two computed colours."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_a_pause_proposed_elsewhere_appears_without_a_reload(browser, live_server, demo_world, settings):
    from datetime import timedelta

    from safepassage.core.timeutil import now

    settings.SAFEPASSAGE_MAP_REFRESH_SECONDS = 2  # 30 s in service
    watcher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors = []
    watcher.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(watcher, live_server.url, "liaison_a", demo_world["liaison_a"])
    loaded(watcher)
    watcher.evaluate("() => { window.sameDocument = true; }")
    # One name per party everywhere: the legend, the areas, the pause answers say "Party A".
    legend = watcher.inner_text("[data-testid=legend]")
    assert "Party A" in legend and "Government" not in legend

    # The coordinator proposes a pause over an area, from the map's form in another session.
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(coordinator, live_server.url, "coordinator", demo_world["coordinator"])
    loaded(coordinator)
    start = now().replace(second=0, microsecond=0) + timedelta(hours=1)
    form = coordinator.locator("#pause-form")
    form.locator("input[name=title]").fill("Pause over Salah ad-Deen")
    form.locator("input[name=starts_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=ends_at]").fill((start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("[data-testid=pause-areas]").select_option(label="Salah ad-Deen")
    form.locator("select[name=party_ids]").select_option(label="Party A")
    form.locator("button[type=submit]").click()
    coordinator.wait_for_function("document.querySelector('#pause-list').textContent.includes('Pause over Salah')")
    from safepassage.pauses.models import Pause

    pause = Pause.objects.get(title="Pause over Salah ad-Deen")
    assert [p.name for p in pause.places.all()] == ["Salah ad-Deen"] and not pause.corridors.exists()

    # The liaison's map shows it within a refresh, in the same document, with a legible status word.
    item = watcher.locator(f".pause-item[data-pause='{pause.pk}']")
    item.wait_for(timeout=15000)
    assert watcher.evaluate("() => window.sameDocument === true")
    assert item.locator(".respond-form").count() == 1  # Party A is asked, and can answer from here
    for badge in watcher.locator("#pause-list .badge").all():
        colours = badge.evaluate("(e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert contrast(*colours) >= 4.5, (badge.inner_text(), colours)
    assert item.locator(".badge").inner_text() == "proposed"
    item.scroll_into_view_if_needed()
    watcher.screenshot(path=str(ARTIFACTS / "map-pause-without-reload.png"))
    assert not errors, errors


def test_a_corridor_suspended_elsewhere_is_redrawn_without_a_reload(browser, live_server, demo_world, settings):
    from safepassage.corridors import services
    from safepassage.corridors.models import Corridor
    from tests.conftest import SYSTEM

    settings.SAFEPASSAGE_MAP_REFRESH_SECONDS = 2  # 30 s in service
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/")
    data = loaded(page)
    page.evaluate("() => { window.sameDocument = true; }")
    opened = next(f["properties"] for f in data["corridors"]["features"] if f["properties"]["status"] == "open")
    page.wait_for_timeout(2500)  # one refresh round: the map has taken its first look at the corridor list
    services.set_corridor_status(corridor_id=opened["id"], status="suspended", reason="shelling reported",
                                 by=SYSTEM)
    assert Corridor.objects.get(pk=opened["id"]).status == "suspended"
    page.wait_for_function("""(id) => window.safePassageMap.data.corridors.features
        .some(f => f.properties.id === id && f.properties.status === 'suspended')""", arg=opened["id"], timeout=15000)
    assert page.evaluate("() => window.sameDocument === true")
    assert not errors, errors
