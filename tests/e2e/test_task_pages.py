"""Task pages in a real browser: a medical evacuation through its timeline, and a manifest previewed before storing."""

from __future__ import annotations

import base64
import secrets

import pytest

from tests.conftest import SYSTEM
from tests.convoys.fixtures import MANIFEST, VEHICLES, local
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_convoy_board import _cargo_corridor_and_pause

pytestmark = pytest.mark.e2e
CSV = "item,category,quantity,unit,weight_kg\nWheat flour,food,\"1.500\",bag,\"75.000,5\"\nTrauma kits,medical,50,kit,٧٥٠\n"


def _medical_officer() -> str:
    from safepassage.accounts import services as accounts
    from safepassage.core.permissions import Role

    password = secrets.token_urlsafe(12)
    user = accounts.create_user(username="medic", role=Role.MEDICAL_OFFICER, password=password, by=SYSTEM)
    accounts.enrol_totp_with_secret(user=user, secret=base64.b32encode(secrets.token_bytes(20)).decode(), by=SYSTEM)
    return password


def _planned_convoy():
    from safepassage.accounts.models import Organisation
    from safepassage.convoys import services
    from safepassage.places.models import Place

    corridor, day = _cargo_corridor_and_pause()
    corridor.refresh_from_db()  # now open
    origin, destination = Place.objects.filter(kind="site").order_by("name")[:2]
    organisation = Organisation.objects.order_by("id").first()
    return services.create_convoy(title="Convoy for the manifest page", organisation=organisation, origin=origin,
                                  destination=destination, corridor=corridor, planned_departure=local(day, 10),
                                  planned_arrival=local(day, 13), vehicles=VEHICLES, manifest=MANIFEST, by=SYSTEM)


def test_medical_evacuation_through_its_timeline_and_a_manifest_preview(browser, live_server, demo_world,
                                                                        monkeypatch, tmp_path):
    from cryptography.fernet import Fernet

    from safepassage.convoys.models import ManifestLine
    from safepassage.crossings.models import MedevacCase

    monkeypatch.setenv("SAFEPASSAGE_FIELD_KEY", Fernet.generate_key().decode())
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    errors: list[str] = []

    # ---- the medical officer opens a case from the menu and moves it through its timeline
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base, "medic", _medical_officer())
    page.click("[data-testid=menu-medevac]")
    page.click("[data-testid=medevac-new-link]")
    form = page.locator("[data-testid=medevac-new-form]")
    form.locator("select[name=triage]").select_option("immediate")
    form.locator("textarea[name=condition_summary]").fill("blast injury, both legs")
    form.locator("input[name=full_name]").fill("Patient Example")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    number = page.inner_text("[data-testid=case-number]")
    assert page.inner_text("[data-testid=case-status]") == "waiting"
    for status in ("moved", "handed_over"):
        status_form = page.locator("[data-testid=status-form]")
        status_form.locator("select[name=status]").select_option(status)
        status_form.locator("input[name=note]").fill(f"note for {status}")
        with page.expect_navigation():
            status_form.locator("button[type=submit]").click()
    assert page.inner_text("[data-testid=case-status]") == "handed over"
    assert page.locator("[data-testid=timeline-event]").count() == 3
    page.fill("[data-testid=purpose]", "handover to the receiving hospital")
    page.click("#identify-form button[type=submit]")
    page.wait_for_selector("[data-testid=identity-name]")
    assert page.inner_text("[data-testid=identity-name]") == "Patient Example"
    page.screenshot(path=str(ARTIFACTS / "task-pages-medevac-timeline.png"), full_page=True)
    assert MedevacCase.objects.get(case_number=number).status == "handed_over"
    ctx.close()

    # ---- the coordinator previews a manifest file, then stores it
    convoy = _planned_convoy()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base, "coordinator", demo_world["coordinator"])
    page.goto(f"{base}/convoys/board/")
    page.click(f"tbody[data-convoy-id='{convoy.pk}'] [data-testid=manifest-link]")
    path = tmp_path / "manifest.csv"
    path.write_text(CSV, encoding="utf-8")
    page.set_input_files("[data-testid=manifest-file]", str(path))
    page.click("[data-testid=manifest-preview]")  # read in the default 1,500.5 format: refused by row and column
    page.wait_for_selector("[data-testid=preview-errors]")
    assert "row 2, column weight_kg" in page.inner_text("[data-testid=preview-errors]")
    assert page.is_hidden("[data-testid=manifest-store]")
    page.check("input[name=number_format][value='1.500,5']")
    page.click("[data-testid=manifest-preview]")
    page.wait_for_selector("[data-testid=preview-line]")
    assert page.locator("[data-testid=preview-line]").count() == 2
    assert page.inner_text("[data-testid=preview-total]") == "75750.500"
    page.screenshot(path=str(ARTIFACTS / "task-pages-manifest-preview.png"), full_page=True)
    assert list(ManifestLine.objects.filter(convoy=convoy).values_list("item", flat=True)) == [
        m["item"] for m in MANIFEST]  # the preview stored nothing
    with page.expect_navigation():
        page.click("[data-testid=manifest-store]")
    page.wait_for_selector("[data-testid=stored-line]")
    assert page.locator("[data-testid=stored-line]").count() == 2
    quantities = dict(ManifestLine.objects.filter(convoy=convoy).values_list("item", "quantity"))
    assert quantities["Wheat flour"] == 1500
    page.screenshot(path=str(ARTIFACTS / "task-pages-manifest-stored.png"), full_page=True)
    ctx.close()
    assert not errors, errors
