"""Signing in in Chromium: a coordinator's password and second factor; the lockout after wrong passwords."""

import pyotp
import pytest

from tests.conftest import SYSTEM
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def test_a_coordinator_signs_in_with_a_password_and_a_totp_code(browser, live_server, demo_world):
    from safepassage.demo.loader import totp_secrets

    base = live_server.url
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "coordinator")
    page.fill("input[name=password]", demo_world["coordinator"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/account/two-factor/?next=%2F")
    page.screenshot(path=str(ARTIFACTS / "sign-in-second-factor.png"))
    # Nothing else opens before the second factor.
    page.goto(f"{base}/audit/")
    assert "/account/two-factor/" in page.url
    page.fill("input[name=code]", "000000")
    page.click("main button[type=submit]")
    assert page.locator("[data-testid=otp-error]").is_visible()
    page.wait_for_timeout(1500)  # django-otp's delay after a wrong code
    # The code from the secret the demo printed, as the phone's authenticator app computes it.
    page.fill("input[name=code]", pyotp.TOTP(totp_secrets()["coordinator"]).now())
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/audit/")  # where the person was going
    assert page.locator("[data-testid=who]").inner_text().startswith("coordinator")
    page.goto(f"{base}/")
    assert page.url == f"{base}/"
    page.screenshot(path=str(ARTIFACTS / "sign-in-coordinator-signed-in.png"))


def test_repeated_wrong_passwords_show_the_lockout_message(browser, live_server, transactional_db):
    from safepassage.accounts import services

    services.create_user(username="pat", role="partner", password="correct horse battery", by=SYSTEM)
    base = live_server.url
    page = browser.new_page(viewport={"width": 1100, "height": 700})
    for _ in range(6):
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "pat")
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "pat")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    lockout = page.locator("[data-testid=lockout]")
    assert lockout.is_visible()
    assert "Too many failed sign-in attempts" in lockout.inner_text()
    assert page.locator("[data-testid=login-link]").is_visible()  # still signed out
    page.screenshot(path=str(ARTIFACTS / "sign-in-lockout.png"))
