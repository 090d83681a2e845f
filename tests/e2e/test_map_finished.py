"""The map, finished (issue #17 item 8): the moment in the address, hours, pause labels, pauses without a reload."""

import pytest

from tests.e2e.conftest import ARTIFACTS

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
