"""A convoy from plan to delivery, driven through the board by each role in its own browser session."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.conftest import SYSTEM
from tests.convoys.fixtures import DAMASCUS, ROUTE, local
from tests.e2e.board import board_ready, board_refused, board_saved
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import _login

pytestmark = pytest.mark.e2e
TITLE = "Flour and trauma kits (browser test)"


def _utc_input(dt: datetime) -> str:
    """The value of a datetime-local input labelled UTC."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _cargo_corridor_and_pause():
    """Set-up outside the UI: a corridor open to cargo going in, and an agreed pause two days ahead covering it."""
    from safepassage.accounts.models import Party
    from safepassage.core.timeutil import now
    from safepassage.corridors import services as corridors
    from safepassage.pauses import services as pauses

    corridor = corridors.create_corridor(
        name="Cargo corridor (browser test)", geometry=ROUTE, direction="in", eligible_groups=["humanitarian_cargo"],
        opens_at=time(6, 0), closes_at=time(18, 0), by=SYSTEM)
    corridors.set_corridor_status(corridor_id=corridor.pk, status="open", reason="agreed by the parties", by=SYSTEM)
    day = (now().astimezone(DAMASCUS) + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    parties = [Party.objects.get(short_name="Party A"), Party.objects.get(short_name="Party B")]
    pause = pauses.create_pause(title="Pause for the browser-test convoy", starts_at=local(day, 7),
                                ends_at=local(day, 15), place_ids=[], corridor_ids=[corridor.pk],
                                party_ids=[p.pk for p in parties], by=SYSTEM)
    for p in parties:
        pauses.respond_to_pause(pause_id=pause.pk, party_id=p.pk, state="accepted", note="by radio", by=SYSTEM)
    pauses.set_pause_status(pause_id=pause.pk, status="agreed", by=SYSTEM)
    return corridor, day


def _the_day_has_come(corridor) -> None:
    """The operation day arrives: the corridor's agreed pause and hours now cover the present."""
    from zoneinfo import ZoneInfo

    from safepassage.core.timeutil import now
    from safepassage.corridors.models import Corridor
    from safepassage.pauses.models import Pause

    start, end = now() - timedelta(hours=1), now() + timedelta(hours=7)
    Pause.objects.filter(corridors=corridor).update(starts_at=start, ends_at=end)
    tz = ZoneInfo(corridor.timezone)
    Corridor.objects.filter(pk=corridor.pk).update(
        opens_at=start.astimezone(tz).time().replace(second=0, microsecond=0),
        closes_at=end.astimezone(tz).time().replace(second=0, microsecond=0))


class Session:
    """One person's own browser context (cookies, session) on the board."""

    def __init__(self, browser, base: str, username: str, password: str, **ctx):
        self.ctx = browser.new_context(**ctx)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        # only the board's own script is judged here (the map page after sign-in has its own tests)
        self.page.on("pageerror", lambda e: self.errors.append(f"{self.page.url}: {e}")
                     if "/convoys/board/" in self.page.url else None)
        self.base = base
        _login(self.page, base, username, password)
        self.open()

    def open(self):
        self.page.goto(f"{self.base}/convoys/board/")
        board_ready(self.page)

    def row(self, reference: str):
        return self.page.locator(f"tbody[data-convoy='{reference}']")

    def submit(self, button):
        board_saved(self.page, button)

    def refused(self, form, button) -> str:
        return board_refused(self.page, form, button)

    def close(self):
        assert not self.errors, self.errors
        self.ctx.close()


def test_convoy_from_plan_to_delivery_through_the_board(browser, live_server, demo_world):
    from safepassage.convoys.models import Convoy
    from safepassage.places.models import Place

    corridor, day = _cargo_corridor_and_pause()
    origin, destination = Place.objects.filter(kind="site").order_by("name")[:2]
    base = live_server.url
    demo_convoys = Convoy.objects.count()  # the demo's convoys of 20 October 2016

    # ---- the coordinator plans the convoy (a first try outside the pause is refused with the reason)
    coord = Session(browser, base, "coordinator", demo_world["coordinator"], viewport={"width": 1280, "height": 900})
    page = coord.page
    page.click("#new-convoy summary")
    form = page.locator("[data-testid=new-convoy-form]")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=corridor_id]").select_option(str(corridor.pk))
    form.locator("select[name=origin_id]").select_option(str(origin.pk))
    form.locator("select[name=destination_id]").select_option(str(destination.pk))
    form.locator("input[name=destination_note]").fill("meal station 3")
    form.locator("input[name=planned_departure]").fill(_utc_input(local(day, 14)))
    form.locator("input[name=planned_arrival]").fill(_utc_input(local(day, 16, 30)))
    lines = form.locator(".manifest-row")
    for i, (item, category, qty, unit, kg) in enumerate([("Wheat flour", "food", "400", "bag", "20000"),
                                                         ("Trauma kits", "medical", "50", "kit", "750.5")]):
        if i:
            form.locator("[data-testid=add-manifest-line]").click()
        line = lines.nth(i)
        line.locator("input[name=item]").fill(item)
        line.locator("select[name=category]").select_option(category)
        line.locator("input[name=quantity]").fill(qty)
        line.locator("select[name=unit]").select_option(unit)
        line.locator("input[name=weight_kg]").fill(kg)
    assert lines.count() == 2
    vehicle = form.locator(".vehicle-row").first
    vehicle.locator("input[name=plate]").fill("ALP-1001")
    vehicle.locator("input[name=markings]").fill("white, blue emblem")
    vehicle.locator("input[name=driver_names]").fill("Driver One")
    submit = form.locator("button[type=submit]")
    shown = coord.refused(form, submit)
    assert "planned_departure: pause #" in shown and "ends before the planned arrival" in shown
    assert Convoy.objects.count() == demo_convoys  # refused whole: nothing stored
    form.locator("input[name=planned_departure]").fill(_utc_input(local(day, 8)))
    form.locator("input[name=planned_arrival]").fill(_utc_input(local(day, 12)))
    coord.submit(submit)
    convoy = Convoy.objects.get(title=TITLE)
    assert convoy.manifest.count() == 2 and convoy.vehicles.count() == 1 and convoy.pause is not None
    ref = convoy.reference
    row = coord.row(ref)
    assert row.locator("[data-testid=status]").inner_text() == "planned"
    assert "not notified" in row.locator("[data-testid=clearance]").inner_text()

    # ---- it notifies the pause's parties (ticked by default; Party C is not asked)
    row.locator("summary", has_text="Notify parties").click()
    notify = row.locator("[data-testid=notify-form]")
    assert notify.locator("label", has_text="Party A").locator("input").is_checked()
    assert notify.locator("label", has_text="Party B").locator("input").is_checked()
    assert not notify.locator("label", has_text="Party C").locator("input").is_checked()
    notify.locator("input[name=deadline]").fill(_utc_input(day - timedelta(hours=4)))
    coord.submit(notify.locator("button[type=submit]"))
    row = coord.row(ref)
    assert row.locator("[data-testid=status]").inner_text() == "notified"
    assert "waiting for: Party A, Party B" in row.locator("[data-testid=clearance]").inner_text()

    # ---- each liaison answers from their own session
    for liaison in ("liaison_a", "liaison_b"):
        s = Session(browser, base, liaison, demo_world[liaison])
        row = s.row(ref)
        form = row.locator("[data-testid=answer-form]")
        assert s.page.locator("[data-testid=new-convoy-form]").count() == 0
        assert "Driver One" not in s.page.content()
        if liaison == "liaison_b":
            shown = s.refused(form, form.locator("[data-testid=refuse]"))
            assert "reason: a refusal needs a reason" in shown
        s.submit(form.locator("[data-testid=acknowledge]"))
        assert "acknowledged" in s.row(ref).locator("[data-testid=own-answer]").inner_text()
        assert s.row(ref).locator("[data-testid=answer-form]").count() == 0
        s.close()

    # ---- acknowledged by all, but not cleared to move without a cleared inspection
    coord.open()
    row = coord.row(ref)
    clearance = row.locator("[data-testid=clearance]").inner_text()
    assert "waiting for" not in clearance and "no cleared inspection of the current manifest" in clearance
    shown = coord.refused(row.locator("[data-testid=status-form]"), row.locator("[data-testid=status-cleared]"))
    assert "inspection: no cleared inspection of the current manifest" in shown

    # ---- the field officer inspects: the no-weapons attestation is required to clear
    field = Session(browser, base, "field", demo_world["field"])
    row = field.row(ref)
    row.locator("summary", has_text="Inspection").click()
    form = row.locator("[data-testid=inspection-form]")
    for box in form.locator("input[name=items_checked]").all():
        box.check()
    form.locator("select[name=result]").select_option("cleared")
    form.locator("input[name=seals]").fill("S-100, S-101")
    shown = field.refused(form, form.locator("button[type=submit]"))
    assert "no_weapons_attested: clearing needs the inspector's attestation" in shown
    form.locator("[data-testid=attest]").check()
    field.submit(form.locator("button[type=submit]"))
    assert field.row(ref).locator("[data-testid=inspection]").inner_text() == "cleared"

    # ---- the coordinator clears it, then records departure and arrival
    coord.open()
    coord.submit(coord.row(ref).locator("[data-testid=status-cleared]"))
    assert coord.row(ref).locator("[data-testid=clearance]").inner_text().strip() == "cleared to move"
    # a departure now, two days before the agreed pause, is refused with the reason ...
    row = coord.row(ref)
    form = row.locator("[data-testid=status-form]")
    shown = coord.refused(form, row.locator("[data-testid=status-departed]"))
    assert "pause: " in shown and "is outside pause #" in shown
    # ... and recorded only with the coordinator's written reason, shown on the board in red
    form.locator("[data-testid=override-reason]").fill("both parties agreed by radio to an early start")
    coord.submit(form.locator("[data-testid=status-departed]"))
    row = coord.row(ref)
    assert row.locator("[data-testid=status]").inner_text() == "departed"
    override = row.locator("[data-testid=override]")
    assert "both parties agreed by radio to an early start" in override.inner_text()
    assert "is outside pause" in override.inner_text()
    assert override.evaluate("el => getComputedStyle(el).color") == "rgb(178, 24, 43)"
    _the_day_has_come(corridor)  # the pause window now covers the present: no more overrides needed
    coord.submit(coord.row(ref).locator("[data-testid=status-arrived]"))
    assert coord.row(ref).locator("[data-testid=status]").inner_text() == "arrived"

    # ---- on arrival the field officer checks the seals and signs the receipt: one line short
    field.open()
    row = field.row(ref)
    field.submit(row.locator("[data-testid=seal-form] button[type=submit]"))
    form = field.row(ref).locator("[data-testid=delivery-form]")
    form.locator("input[name=received_by]").fill("Local council warehouse")
    assert form.locator("[data-testid=received-1]").input_value() == "400"
    form.locator("[data-testid=received-2]").fill("48")
    field.submit(form.locator("button[type=submit]"))
    field.close()

    # ---- the board shows it delivered, with the discrepancy highlighted
    coord.open()
    row = coord.row(ref)
    assert row.locator("[data-testid=status]").inner_text() == "delivered"
    assert "has-discrepancy" in row.get_attribute("class")
    flagged = row.locator("[data-testid=discrepancy]")
    assert flagged.count() == 1
    assert flagged.inner_text() == "line 2, Trauma kits: 48 of 50 kit received"
    # The convoy's route is drawn on the map over the neighbourhoods.
    page.wait_for_function("document.getElementById('board-map').dataset.loaded === 'true'")
    assert page.locator("#board-map .leaflet-overlay-pane path").count() > 100
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "convoy-board.png"), full_page=True)
    coord.close()

    phone = Session(browser, base, "coordinator", demo_world["coordinator"], viewport={"width": 390, "height": 844})
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.page.screenshot(path=str(ARTIFACTS / "convoy-board-mobile.png"), full_page=True)
    phone.close()

    convoy.refresh_from_db()
    assert convoy.status == "delivered"
    assert [h.status for h in convoy.status_history.order_by("id")] == [
        "planned", "notified", "cleared", "departed", "arrived", "delivered"]
    acks = convoy.notifications.get(state="active").acknowledgements.values_list("by__username", "state")
    assert sorted(acks) == [("liaison_a", "acknowledged"), ("liaison_b", "acknowledged")]
