"""An incident's day (issue 18): a monitor records a mine report with a photo on a phone; a verifier takes it from the
queue (a second verifier sees it taken) and verifies it with the evidence; the mine flags the corridor on the map and
in "open now", and the coordinator suspends the corridor from the warning. Screenshots in test-artifacts/."""

from __future__ import annotations

import hashlib
import os
from datetime import time

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e

ON_CASTELLO = ("37.185", "36.244")  # lon, lat: a vertex of the demo's Castello Road line
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def incident_setup(demo_world, settings, tmp_path, monkeypatch):
    """Evidence stored in a temporary folder, a field key, Castello Road open all day, a second verifier."""
    import pyotp
    from cryptography.fernet import Fernet
    from PIL import Image

    from safepassage.accounts import services
    from safepassage.corridors.models import Corridor
    from tests.conftest import SYSTEM

    settings.MEDIA_ROOT = str(tmp_path / "media")
    if not os.environ.get("SAFEPASSAGE_FIELD_KEY"):
        monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    Corridor.objects.filter(name="Castello Road corridor").update(opens_at=time(0, 0), closes_at=time(23, 59))
    user = services.create_user(username="verifier2", role="verifier", password="second pair of eyes", by=SYSTEM)
    services.enrol_totp_with_secret(user=user, secret=pyotp.random_base32(), by=SYSTEM)
    photo = tmp_path / "roadside.jpg"
    Image.new("RGB", (64, 48), (120, 90, 60)).save(photo, "JPEG")
    return {**demo_world, "verifier2": "second pair of eyes", "photo": photo}


class Person:
    """One person's own browser context; page errors and refused responses are collected."""

    def __init__(self, browser, base: str, username: str, password: str, viewport: dict):
        self.ctx = browser.new_context(viewport=viewport)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}"))
        self.base = base
        sign_in(self.page, base, username, password)

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)

    def close(self) -> None:
        assert not self.errors, self.errors
        self.ctx.close()


def _fill_incident(p, photo) -> None:
    p.fill("[data-testid=f-title]", "Device seen at the roadside, Castello Road")
    p.fill("[data-testid=f-description]", "A monitor saw what looks like an anti-vehicle mine on the verge.")
    p.check("input[name=categories][value=access_mines_ied_uxo]")
    p.fill("[data-testid=f-earliest]", "2016-10-20T07:30")
    p.fill("[data-testid=f-latest]", "2016-10-20T08:15")
    p.select_option("[data-testid=f-precision]", "minute")
    p.fill("[data-testid=f-lon]", ON_CASTELLO[0])
    p.fill("[data-testid=f-lat]", ON_CASTELLO[1])
    p.fill("[data-testid=f-people-civilians]", "0")
    p.select_option("[data-testid=f-source-kind]", "monitor")
    p.fill("[data-testid=f-source-name]", "monitor team 2")
    p.select_option("[data-testid=f-source-connection]", "witness")
    p.fill("[data-testid=f-source-identity]", "Rami K., phone 0944")
    p.fill("[data-testid=f-why]", "photographed by the monitor on site")
    p.set_input_files("[data-testid=f-file]", str(photo))


def _record(monitor: Person, photo, sha: str) -> int:
    p = monitor.page
    p.click("[data-testid=menu-incident-new]")
    p.wait_for_function("() => window.safePassagePicker !== undefined")
    p.locator("[data-testid=pick-map]").click()  # a tap on the map fills the point
    assert p.input_value("[data-testid=f-lon]") and p.input_value("[data-testid=f-lat]")
    _fill_incident(p, photo)
    p.wait_for_function(f"() => document.querySelector('[data-testid=file-hash]').dataset.sha256 === '{sha}'")
    assert p.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    monitor.shot("incident-record-phone.png")
    monitor.submit("[data-testid=f-submit]")  # no statement yet: refused, naming the field, nothing stored
    assert p.inner_text("[data-testid=form-error]").startswith("Statement:")
    assert p.input_value("[data-testid=f-title]") == "Device seen at the roadside, Castello Road"
    monitor.shot("incident-record-error-phone.png")
    p.fill("[data-testid=f-source-statement]", "We saw a round metal object half buried at the verge.")
    p.fill("[data-testid=f-source-identity]", "Rami K., phone 0944")
    p.set_input_files("[data-testid=f-file]", str(photo))
    p.fill("[data-testid=f-why]", "photographed by the monitor on site")
    monitor.submit("[data-testid=f-submit]")
    assert "recorded=1" in p.url
    assert p.inner_text("[data-testid=evidence] code") == sha  # the hash of what the server stored
    assert p.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert "Rami" not in p.content()
    assert p.inner_text("[data-testid=incident-time]") == "20 Oct 2016 07:30 – 20 Oct 2016 08:15"  # as typed
    monitor.shot("incident-recorded-phone.png")
    return int(p.url.split("/incidents/")[1].split("/")[0])


def _verify(v1: Person, v2: Person, incident_id: int, sha: str) -> None:
    v1.page.goto(f"{v1.base}/incidents/queue/")
    v1.submit(f"[data-testid=queue-item][data-incident='{incident_id}'] [data-testid=queue-take]")
    assert v1.page.inner_text("[data-testid=taken-by]") == "You hold this item."
    v2.page.goto(f"{v2.base}/incidents/queue/")
    item = v2.page.locator(f"[data-testid=queue-item][data-incident='{incident_id}']")
    assert item.locator("[data-testid=queue-holder]").inner_text() == "verifier"
    assert item.locator("[data-testid=queue-take]").count() == 0
    item.scroll_into_view_if_needed()
    v2.shot("incident-queue-taken.png", full_page=False)  # the demo's imported incidents make a long queue
    v2.page.goto(f"{v2.base}/incidents/{incident_id}/")
    assert "verifier" in v2.page.inner_text("[data-testid=taken-by]")
    assert v2.page.locator("[data-testid=decide-form]").count() == 0
    p = v1.page
    p.select_option("[data-testid=decision-status]", "verified")
    p.check("[data-testid=decide-evidence]")
    p.check("[data-testid=decide-source]")
    p.fill("[data-testid=decision-note]", "The photo shows the device at the place the monitor gave.")
    v1.shot("incident-decide.png")
    v1.submit("[data-testid=decide]")
    assert p.inner_text("[data-testid=incident-verification]") == "verified"
    assert sha.startswith(p.inner_text("[data-testid=decision-evidence]").rstrip("…"))
    v1.shot("incident-verified.png")


def _suspend_from_warning(coord: Person, hazard_id: int) -> None:
    p = coord.page
    p.goto(f"{coord.base}/")
    p.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    assert "Castello Road corridor" in p.inner_text("[data-testid=hazard-banner]")
    assert "mine reported at 36.2440, 37.1850" in p.inner_text("[data-testid=open-now] [data-testid=open-now-hazard]")
    coord.shot("incident-hazard-warning.png")
    p.click(f"[data-testid=hazard-banner] [data-testid=suspend-from-hazard][data-hazard='{hazard_id}']")
    p.wait_for_function(
        "() => !document.querySelector('[data-testid=hazard-banner] [data-testid=suspend-from-hazard]')")
    coord.shot("incident-corridor-suspended.png")


def test_incident_day(browser, live_server, incident_setup):
    from safepassage.corridors.models import Corridor
    from safepassage.incidents.models import Hazard, Incident

    world, base = incident_setup, live_server.url
    sha = hashlib.sha256(world["photo"].read_bytes()).hexdigest()
    monitor = Person(browser, base, "monitor", world["monitor"], PHONE)
    incident_id = _record(monitor, world["photo"], sha)
    incident = Incident.objects.get(pk=incident_id)
    assert incident.verification == "unverified" and incident.sources.get().identity_enc
    hazard = Hazard.objects.get(incidents=incident)
    assert hazard.kind == "mines_uxo_ied"

    v1 = Person(browser, base, "verifier", world["verifier"], PHONE)
    v2 = Person(browser, base, "verifier2", world["verifier2"], {"width": 1280, "height": 900})
    _verify(v1, v2, incident_id, sha)
    incident.refresh_from_db()
    assert incident.verification == "verified"
    assert list(incident.decisions.get().evidence.values_list("sha256", flat=True)) == [sha]

    coord = Person(browser, base, "coordinator", world["coordinator"], {"width": 1280, "height": 900})
    _suspend_from_warning(coord, hazard.pk)
    castello = Corridor.objects.get(name="Castello Road corridor")
    assert castello.status == "suspended"
    assert castello.status_history.last().reason.startswith(f"Suspended for hazard #{hazard.pk}: mine reported")
    _arabic_form(monitor)
    for person in (monitor, v1, v2, coord):
        person.close()


def _arabic_form(monitor: Person) -> None:
    """The same form in Arabic, right to left, still fits a phone."""
    monitor.ctx.add_cookies([{"name": "django_language", "value": "ar", "url": monitor.base}])
    p = monitor.page
    p.goto(f"{monitor.base}/incidents/new/")
    p.wait_for_function("() => window.safePassagePicker !== undefined")
    assert p.get_attribute("html", "dir") == "rtl" and p.inner_text("h1") == "تسجيل حادثة"
    assert p.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    monitor.shot("incident-record-phone-ar.png")
