"""A whole operations day driven through the pages only (issue 17), each person in their own browser context.

A pause is proposed on the map, refused by one liaison with a reason the coordinator sees, accepted by both and
agreed; the planner runs a route and the pause's evacuation plan from the map; a convoy is planned on the board,
its manifest uploaded and previewed, the parties notified, the notification acknowledged from what they are asked
to guarantee, the convoy inspected and cleared. The next morning its departure before the pause is refused and
recorded with the coordinator's reason (red on the board); positions, arrival, seals and delivery follow inside
the pause. A field officer counts crossings on a phone with the network cut; the medical officer moves an
evacuation through its timeline. Then part of it again in Arabic. No request to /api comes from the test: only
clicks and typing (the pages call the API from their scripts). Set-up (corridor, checkpoint, accounts) is made
through the services, as in the other browser tests; the only other thing the test does is move the server's
clock to the next morning (`server_clock`), since an operation day cannot pass in a few minutes.
Screenshots: test-artifacts/whole-day-NN-*.png.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import SYSTEM
from tests.e2e.board import board_ready, board_refused, board_saved
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_plans_map import _click_lonlat, worker  # noqa: F401 - `worker` is a fixture used here

pytestmark = pytest.mark.e2e
DAMASCUS = ZoneInfo("Asia/Damascus")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "timezone_id": "Asia/Damascus"}
ROUTE = {"type": "LineString", "coordinates": [[37.12, 36.20], [37.15, 36.21], [37.17, 36.22]]}
PLAN_WAIT_MS = 180_000  # a plan is computed by the worker process; a busy machine is slow to build the network
PAUSE = "Pause for the eastern districts (whole day)"
CONVOY = "Flour and trauma kits (whole day)"
REFUSAL = "refused while an armed escort is planned on the route"
MANIFEST = ('item,category,quantity,unit,weight_kg\n'
            'Wheat flour,food,"1,500",bag,"75,000"\n'
            'Trauma kits,medical,٥٠,kit,٧٥٠.٥\n')  # 1,500 read as fifteen hundred; Arabic-Indic 50 and 750.5


def _utc(dt: datetime) -> str:
    """The value of a datetime-local input labelled UTC."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def server_clock(monkeypatch):
    """Move the server's clock (safepassage.core.timeutil.now) to a given moment; it then runs on from there."""
    from safepassage.core import timeutil

    real = timeutil.datetime

    def set_to(moment: datetime) -> None:
        offset = moment - real.now(UTC)

        class Shifted(real):
            @classmethod
            def now(cls, tz=None):
                return real.now(tz) + offset

        monkeypatch.setattr(timeutil, "datetime", Shifted)

    return set_to


@pytest.fixture
def day(demo_world, settings, monkeypatch, tmp_path):
    """Before the day: the demo's city and accounts, an open corridor with a checkpoint, a counter, a planner."""
    import pyotp
    from cryptography.fernet import Fernet

    from safepassage.accounts import services as accounts
    from safepassage.core.permissions import Role
    from safepassage.corridors import services as corridors
    from safepassage.places.models import PopulationFigure

    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    settings.SAFEPASSAGE_MAP_REFRESH_SECONDS = 2  # the coordinator's pause list follows the liaisons' answers
    corridor = corridors.create_corridor(
        name="Eastern districts corridor (whole day)", geometry=ROUTE, direction="both",
        eligible_groups=["civilians", "wounded_sick", "humanitarian_cargo"], opens_at=time(0, 0),
        closes_at=time(23, 59), by=SYSTEM)
    corridors.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed by the parties", by=SYSTEM)
    checkpoint = corridors.add_checkpoint(corridor=corridor, name="Eastern gate (whole day)", lon=37.15, lat=36.21,
                                          inspects_cargo=True, capacity_per_minute=20, by=SYSTEM)
    passwords = dict(demo_world)
    passwords["counter"] = secrets.token_urlsafe(12)
    accounts.create_user(username="counter", role=Role.FIELD_OFFICER, password=passwords["counter"], by=SYSTEM)
    passwords["planner"] = secrets.token_urlsafe(12)
    planner = accounts.create_user(username="planner", role=Role.COORDINATOR, password=passwords["planner"],
                                   by=SYSTEM)
    accounts.enrol_totp_with_secret(user=planner, secret=pyotp.random_base32(), by=SYSTEM)
    area = PopulationFigure.objects.select_related("place").order_by("place__name").first().place
    # The operation day: tomorrow in Damascus; today the pause and the convoy are prepared.
    tomorrow = (datetime.now(DAMASCUS) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"corridor": corridor, "checkpoint": checkpoint, "area": area, "passwords": passwords,
            "at": lambda hh, mm=0: tomorrow.replace(hour=hh, minute=mm)}


class Person:
    """One person's own browser context, signed in through the login page; page errors are collected."""

    shots = 0

    def __init__(self, browser, base: str, username: str, password: str, **ctx):
        self.ctx = browser.new_context(**(ctx or DESKTOP))
        self.page = self.ctx.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(f"{username} {self.page.url}: {e}"))
        sign_in(self.page, base, username, password)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def map(self) -> None:
        self.go("/")
        self.page.wait_for_function("document.body.dataset.layersLoaded === 'true'")

    def board(self) -> None:
        self.go("/convoys/board/")
        board_ready(self.page)

    def row(self, reference: str):
        return self.page.locator(f"tbody[data-convoy='{reference}']")

    def saved(self, button) -> None:
        board_saved(self.page, button)

    def refused(self, form, button) -> str:
        return board_refused(self.page, form, button)

    def posted(self, button) -> None:
        """Submit a server-rendered form and wait for the page it leads to."""
        with self.page.expect_navigation():
            button.click()

    def menu_opens(self) -> None:
        """Every entry of this person's menu opens a page for them: none answers 403 (or any error)."""
        links = self.page.eval_on_selector_all("header nav a", "els => els.map(e => e.getAttribute('href'))")
        for href in links:
            response = self.page.goto(self.base + href)
            assert response is not None and response.status < 400, (href, response and response.status)

    def shot(self, name: str) -> None:
        Person.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"whole-day-{Person.shots:02d}-{name}.png"), full_page=True)

    def arabic(self) -> None:
        """Switch the language through the header's language list (the page reloads in Arabic)."""
        with self.page.expect_navigation():
            self.page.select_option("[data-testid=lang-select]", "ar")
        assert self.page.evaluate("document.documentElement.dir") == "rtl"

    def close(self) -> None:
        assert not self.errors, self.errors
        self.ctx.close()


def _pause_item(person, title: str = PAUSE):
    item = person.page.locator(".pause-item", has_text=title)
    item.wait_for()
    item.scroll_into_view_if_needed()  # in the screenshots too
    return item


def _propose_the_pause(coord: Person, day: dict, parties) -> None:
    coord.map()
    form = coord.page.locator("[data-testid=pause-form]")
    form.locator("input[name=title]").fill(PAUSE)
    form.locator("input[name=starts_at]").fill(_utc(day["at"](7)))
    form.locator("input[name=ends_at]").fill(_utc(day["at"](15)))
    form.locator("[data-testid=pause-corridors]").select_option(str(day["corridor"].pk))
    form.locator("[data-testid=pause-areas]").select_option(str(day["area"].pk))
    form.locator("select[name=party_ids]").select_option([str(p.pk) for p in parties])
    form.locator("button[type=submit]").click()
    assert "proposed" in _pause_item(coord).locator(".badge").inner_text()
    coord.shot("pause-proposed")


def _answer_pause(person: Person, state: str, note: str = "") -> None:
    item = _pause_item(person)
    form = item.locator(".respond-form")
    form.locator("input[name=note]").fill(note)
    form.locator(f"button[value={state}]").click()
    person.page.wait_for_function(
        "([t, s]) => [...document.querySelectorAll('.pause-item')].some(e => e.textContent.includes(t)"
        " && e.querySelector('li.response.' + s))", arg=[PAUSE, state])


def _the_pause(browser, base, day, coord: Person) -> dict:
    """Proposed; Party B refuses with a reason the coordinator reads; both accept; the coordinator agrees."""
    from safepassage.accounts.models import Party

    parties = [Party.objects.get(short_name="Party A"), Party.objects.get(short_name="Party B")]
    _propose_the_pause(coord, day, parties)
    pw = day["passwords"]
    liaison_b = Person(browser, base, "liaison_b", pw["liaison_b"])
    liaison_b.menu_opens()
    liaison_b.map()
    scope = _pause_item(liaison_b).locator("[data-testid=pause-scope]")  # what the party is asked to accept
    liaison_b.page.wait_for_function("el => el.textContent.includes('Corridors:')", arg=scope.element_handle())
    assert day["corridor"].name in scope.inner_text() and day["area"].name in scope.inner_text()
    _answer_pause(liaison_b, "refused", REFUSAL)
    liaison_b.shot("pause-refused-by-party-b")

    # The coordinator's list follows without a reload: Party B's refusal first, with its reason.
    coord.page.wait_for_function(
        "t => [...document.querySelectorAll('.pause-item')].some(e => e.textContent.includes(t))", arg=REFUSAL)
    item = _pause_item(coord)
    first = item.locator("li.response").first
    assert "Party B" in first.inner_text() and "refused" in first.inner_text()
    assert first.locator("[data-testid=response-note]").inner_text() == REFUSAL
    coord.shot("pause-refusal-seen-by-coordinator")

    # Told that no armed escort will go, Party B accepts; so does Party A.
    _answer_pause(liaison_b, "accepted", "no armed escort: accepted")
    liaison_a = Person(browser, base, "liaison_a", pw["liaison_a"])
    liaison_a.map()
    _answer_pause(liaison_a, "accepted")
    liaison_a.shot("pause-accepted-by-party-a")

    coord.page.wait_for_function(
        "t => [...document.querySelectorAll('.pause-item')].some(e => e.textContent.includes(t)"
        " && e.querySelectorAll('li.response.accepted').length === 2)", arg=PAUSE)
    item = _pause_item(coord)
    item.locator(".pause-status-form select").select_option("agreed")
    item.locator(".pause-status-form button").click()
    coord.page.wait_for_function(
        "t => [...document.querySelectorAll('.pause-item')].some(e => e.textContent.includes(t)"
        " && e.querySelector('.badge.agreed'))", arg=PAUSE)
    coord.shot("pause-agreed")
    return {"liaison_a": liaison_a, "liaison_b": liaison_b}


def _plan_the_convoy(coord: Person, day: dict, tmp_path) -> str:
    """Planned on the board (vehicles, no cargo yet), then its manifest uploaded, previewed and stored."""
    from safepassage.convoys.models import Convoy
    from safepassage.places.models import Place

    origin, destination = Place.objects.filter(kind="site").order_by("name")[:2]
    coord.board()
    page = coord.page
    page.click("#new-convoy summary")
    form = page.locator("[data-testid=new-convoy-form]")
    form.locator("input[name=title]").fill(CONVOY)
    form.locator("select[name=corridor_id]").select_option(str(day["corridor"].pk))
    form.locator("select[name=origin_id]").select_option(str(origin.pk))
    form.locator("select[name=destination_id]").select_option(str(destination.pk))
    form.locator("input[name=planned_departure]").fill(_utc(day["at"](8)))
    form.locator("input[name=planned_arrival]").fill(_utc(day["at"](12)))
    vehicle = form.locator(".vehicle-row").first
    vehicle.locator("input[name=plate]").fill("WD-101")
    vehicle.locator("input[name=markings]").fill("white, blue emblem")
    vehicle.locator("input[name=driver_names]").fill("Driver Whole-Day")
    coord.saved(form.locator("button[type=submit]"))
    ref = Convoy.objects.get(title=CONVOY).reference
    assert coord.row(ref).locator("[data-testid=status]").inner_text() == "planned"
    coord.shot("convoy-planned")

    coord.row(ref).locator("[data-testid=manifest-link]").click()
    path = tmp_path / "manifest.csv"
    path.write_text(MANIFEST, encoding="utf-8")
    page.set_input_files("[data-testid=manifest-file]", str(path))
    page.click("[data-testid=manifest-preview]")  # the default format, 1,500.5
    page.wait_for_selector("[data-testid=preview-line]")
    lines = page.locator("[data-testid=preview-line]")
    assert lines.count() == 2 and "1500" in lines.nth(0).inner_text() and "50" in lines.nth(1).inner_text()
    assert page.inner_text("[data-testid=preview-total]") == "75750.500"
    assert page.locator("[data-testid=stored-line]").count() == 0  # previewed: nothing stored yet
    coord.shot("manifest-preview")
    with page.expect_navigation():
        page.click("[data-testid=manifest-store]")
    page.wait_for_selector("[data-testid=stored-line]")
    assert page.locator("[data-testid=stored-line]").count() == 2
    coord.shot("manifest-stored")
    return ref


def _notify_and_acknowledge(coord: Person, liaisons: dict, ref: str, day: dict) -> None:
    coord.board()
    row = coord.row(ref)
    row.locator("summary", has_text="Notify parties").click()
    notify = row.locator("[data-testid=notify-form]")
    notify.locator("input[name=deadline]").fill(_utc(day["at"](6)))
    coord.saved(notify.locator("button[type=submit]"))
    assert coord.row(ref).locator("[data-testid=status]").inner_text() == "notified"
    coord.shot("convoy-notified")

    # Each liaison reads what their party is asked to guarantee, then answers on that page.
    for name, conditions in (("liaison_a", "on condition of no armed escort"), ("liaison_b", "")):
        person = liaisons[name]
        person.board()
        with person.page.expect_navigation():
            person.row(ref).locator("[data-testid=notification-link]").click()
        page = person.page
        page.wait_for_selector("[data-testid=notification-page]")
        assert "WD-101" in page.inner_text("[data-testid=vehicles]")
        assert "Driver Whole-Day" not in page.content()  # never the drivers' names
        assert "Wheat flour" in page.inner_text("[data-testid=cargo]")
        assert day["corridor"].name in page.inner_text("[data-testid=corridors]")
        assert page.is_visible("[data-testid=short-notice]")  # less than 48 hours before the movement
        form = page.locator("[data-testid=answer-form]")
        form.locator("[data-testid=conditions]").fill(conditions)
        person.shot(f"notification-seen-by-{name}")
        person.saved(form.locator("[data-testid=acknowledge]"))
        assert page.locator("[data-testid=answer-form]").count() == 0

    coord.board()
    answers = coord.row(ref).locator("[data-testid=answers]").inner_text()
    assert "on condition: on condition of no armed escort" in answers
    coord.shot("convoy-acknowledged")


def _inspect_and_clear(coord: Person, inspector: Person, ref: str) -> None:
    inspector.board()
    row = inspector.row(ref)
    row.locator("summary", has_text="Inspection").click()
    form = row.locator("[data-testid=inspection-form]")
    for box in form.locator("input[name=items_checked]").all():
        box.check()
    form.locator("select[name=result]").select_option("cleared")
    form.locator("input[name=seals]").fill("WD-S1, WD-S2")
    form.locator("[data-testid=attest]").check()
    inspector.saved(form.locator("button[type=submit]"))
    assert inspector.row(ref).locator("[data-testid=inspection]").inner_text() == "cleared"
    inspector.shot("convoy-inspected")

    coord.board()
    coord.saved(coord.row(ref).locator("[data-testid=status-cleared]"))
    assert coord.row(ref).locator("[data-testid=clearance]").inner_text().strip() == "cleared to move"
    coord.shot("convoy-cleared")


def _on_the_road(coord: Person, field: Person, ref: str, day: dict, server_clock) -> None:
    """06:40, before the pause: refused, then recorded with a reason. From 09:30, inside the pause."""
    server_clock(day["at"](6, 40))
    coord.board()
    row = coord.row(ref)
    form = row.locator("[data-testid=status-form]")
    shown = coord.refused(form, row.locator("[data-testid=status-departed]"))
    assert "is outside pause #" in shown and PAUSE in shown
    coord.shot("departure-refused-outside-the-pause")
    form.locator("[data-testid=override-reason]").fill("both parties agreed by radio to leave before 07:00")
    coord.saved(form.locator("[data-testid=status-departed]"))
    override = coord.row(ref).locator("[data-testid=override]")
    assert "both parties agreed by radio to leave before 07:00" in override.inner_text()
    assert override.evaluate("el => getComputedStyle(el).color") == "rgb(178, 24, 43)"  # red
    coord.shot("departure-recorded-with-reason")

    server_clock(day["at"](9, 30))
    field.board()
    with field.page.expect_navigation():
        field.row(ref).locator("[data-testid=positions-link]").click()
    form = field.page.locator("[data-testid=position-form]")
    form.locator("input[name=lat]").fill("٣٦٫٢١")  # Arabic-Indic digits, as a phone may type them
    form.locator("input[name=lon]").fill("37.15")
    form.locator("select[name=checkpoint_id]").select_option(str(day["checkpoint"].pk))
    form.locator("input[name=note]").fill("passed the eastern gate")
    field.posted(form.locator("button[type=submit]"))
    assert field.page.locator("[data-testid=position-row]").count() == 1
    assert "36.21000, 37.15000" in field.page.inner_text("[data-testid=positions]")
    field.shot("position-reported")

    field.board()
    field.saved(field.row(ref).locator("[data-testid=status-arrived]"))
    assert field.row(ref).locator("[data-testid=status]").inner_text() == "arrived"
    field.saved(field.row(ref).locator("[data-testid=seal-form] button[type=submit]"))
    form = field.row(ref).locator("[data-testid=delivery-form]")
    form.locator("input[name=received_by]").fill("Eastern districts warehouse")
    form.locator("[data-testid=received-2]").fill("48")
    field.saved(form.locator("button[type=submit]"))
    field.shot("convoy-delivered-field")

    coord.board()
    row = coord.row(ref)
    assert row.locator("[data-testid=status]").inner_text() == "delivered"
    assert row.locator("[data-testid=discrepancy]").inner_text() == "line 2, Trauma kits: 48 of 50 kit received"
    coord.shot("convoy-delivered-board")


def _count_offline(browser, base, day) -> Person:
    """The counter's phone: the form opened once, then the network cut, a count saved on the phone, then sent."""
    from safepassage.crossings.models import CrossingCount

    counter = Person(browser, base, "counter", day["passwords"]["counter"], **PHONE)
    counter.menu_opens()
    page = counter.page
    page.click("[data-testid=menu-count-form]")
    page.wait_for_selector("html[data-offline-ready]")  # the service worker has the form in its cache
    counter.ctx.set_offline(True)
    page.close()
    page = counter.page = counter.ctx.new_page()  # a cold start with no network
    page.on("pageerror", lambda e: counter.errors.append(f"counter offline: {e}"))
    response = page.goto(f"{base}/crossings/new/")
    assert response is not None and response.from_service_worker
    form = page.locator("#count-form")
    form.locator("select[name=checkpoint_id]").select_option(str(day["checkpoint"].pk))
    form.locator("input[name=bucket_start]").fill(day["at"](8).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=women]").fill("٤٢")  # 42
    form.locator("input[name=children]").fill("61")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # nothing wider than the phone
    page.click("[data-testid=save]")
    page.wait_for_function("document.querySelector('[data-testid=count-result]').textContent"
                           ".includes('Saved on this phone')")
    assert page.text_content("[data-testid=outbox]") == "1"
    assert not CrossingCount.objects.filter(checkpoint=day["checkpoint"]).exists()
    counter.shot("count-saved-offline-phone")
    counter.ctx.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("[data-testid=stored-count]")
    stored = page.text_content("[data-testid=stored-count]")
    assert stored.startswith("Stored:") and "42 women" in stored and "61 children" in stored
    assert page.text_content("[data-testid=outbox]") == "0"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    counter.shot("count-sent-phone")
    return counter


def _medical_evacuation(browser, base, day) -> None:
    from safepassage.crossings.models import MedevacCase

    medic = Person(browser, base, "medical", day["passwords"]["medical"])
    medic.menu_opens()
    page = medic.page
    page.click("[data-testid=menu-medevac]")
    page.click("[data-testid=medevac-new-link]")
    form = page.locator("[data-testid=medevac-new-form]")
    form.locator("select[name=triage]").select_option("immediate")
    form.locator("select[name=corridor_id]").select_option(str(day["corridor"].pk))
    form.locator("textarea[name=condition_summary]").fill("shrapnel wound, left arm")
    medic.posted(form.locator("button[type=submit]"))
    number = page.inner_text("[data-testid=case-number]")
    for status, note in (("moved", "left through the eastern gate"), ("handed_over", "at the receiving hospital")):
        status_form = page.locator("[data-testid=status-form]")
        status_form.locator("select[name=status]").select_option(status)
        status_form.locator("input[name=note]").fill(note)
        medic.posted(status_form.locator("button[type=submit]"))
        assert page.locator("[data-testid=form-error]").count() == 0, page.inner_text("[data-testid=form-error]")
    assert page.inner_text("[data-testid=case-status]") == "handed over"
    assert page.locator("[data-testid=timeline-event]").count() == 3
    medic.shot("medevac-timeline")
    assert MedevacCase.objects.get(case_number=number).status == "handed_over"
    medic.close()


def _plans_from_the_map(browser, base, day) -> None:
    planner = Person(browser, base, "planner", day["passwords"]["planner"])
    planner.map()
    page = planner.page
    page.uncheck("[data-testid=toggle-sites]")
    page.click("[data-testid=pick-from]")
    _click_lonlat(page, 37.2056, 36.2283)  # Hanano
    page.click("[data-testid=pick-to]")
    _click_lonlat(page, 37.1089, 36.1882)  # al-Hamdaniyeh II
    page.select_option("#plan-alternatives", "1")
    page.click("[data-testid=plan-route-btn]")
    page.wait_for_selector("[data-testid=plan-route]", timeout=PLAN_WAIT_MS)
    assert "km" in page.inner_text("[data-testid=plan-result]")
    planner.shot("plan-route")

    # How many people can leave through the pause's corridor in its window, from its areas' figures.
    shown = page.evaluate("document.body.dataset.planShown")
    _pause_item(planner).locator("[data-testid=evac-plan]").click()
    page.wait_for_function("s => document.body.dataset.planShown !== s", arg=shown, timeout=PLAN_WAIT_MS)
    page.locator("[data-testid=evac-summary]").scroll_into_view_if_needed()
    summary = page.inner_text("[data-testid=evac-summary]")
    assert re.search(r"[\d,]+ of [\d,]+ people out by the end of the window", summary), summary
    assert day["corridor"].name in page.inner_text("[data-testid=evac-by-corridor]")
    planner.shot("plan-evacuation-of-the-pause")
    planner.close()


def _again_in_arabic(coord: Person, counter: Person, liaison_a: Person, ref: str, day: dict) -> None:
    from safepassage.crossings.models import CrossingCount

    coord.board()
    coord.arabic()
    coord.page.wait_for_function("document.body.dataset.boardReady === 'true'")
    assert "لوحة القوافل" in coord.page.inner_text("h1")
    assert coord.row(ref).count() == 1
    coord.shot("board-ar")

    page = counter.page
    page.goto(f"{counter.base}/crossings/new/")
    counter.arabic()
    assert "العدّ عند نقطة التفتيش" in page.inner_text("h1")
    form = page.locator("#count-form")
    form.locator("select[name=checkpoint_id]").select_option(str(day["checkpoint"].pk))
    form.locator("input[name=bucket_start]").fill(day["at"](9).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=women]").fill("٧")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=stored-count]")
    assert page.locator("[data-testid=stored-count]").last.text_content().startswith("حُفظت:")
    assert CrossingCount.objects.filter(checkpoint=day["checkpoint"], women=7).exists()
    counter.shot("count-phone-ar")

    liaison_a.map()
    liaison_a.arabic()
    liaison_a.page.wait_for_function("document.body.dataset.layersLoaded === 'true'")
    assert "الهدن" in liaison_a.page.inner_text("#sidebar")
    scope = _pause_item(liaison_a).locator("[data-testid=pause-scope]")
    liaison_a.page.wait_for_function("el => el.textContent.startsWith('يشمل')", arg=scope.element_handle())
    badge = _pause_item(liaison_a).locator(".badge")
    assert badge.inner_text() == "متفق عليها"  # agreed
    liaison_a.shot("pause-list-ar")


@pytest.mark.usefixtures("worker")  # a real `safepassage worker` process computes the plans
def test_a_whole_day_through_the_pages(browser, live_server, day, server_clock, tmp_path):
    from safepassage.convoys.models import Convoy

    ARTIFACTS.mkdir(exist_ok=True)
    Person.shots = 0
    base, pw = live_server.url, day["passwords"]
    coord = Person(browser, base, "coordinator", pw["coordinator"])
    coord.menu_opens()
    liaisons = _the_pause(browser, base, day, coord)
    _plans_from_the_map(browser, base, day)  # the planner's route and the pause's evacuation plan, the day before
    ref = _plan_the_convoy(coord, day, tmp_path)
    _notify_and_acknowledge(coord, liaisons, ref, day)
    inspector = Person(browser, base, "field", pw["field"])
    _inspect_and_clear(coord, inspector, ref)
    _on_the_road(coord, inspector, ref, day, server_clock)
    inspector.close()
    counter = _count_offline(browser, base, day)
    _medical_evacuation(browser, base, day)
    _again_in_arabic(coord, counter, liaisons["liaison_a"], ref, day)
    for person in (coord, counter, *liaisons.values()):
        person.close()

    convoy = Convoy.objects.get(reference=ref)
    assert [h.status for h in convoy.status_history.order_by("id")] == [
        "planned", "notified", "cleared", "departed", "arrived", "delivered"]
    assert list(convoy.overrides.values_list("event", flat=True)) == ["departed"]
