"""Browser tests: Debian's Chromium driven by Playwright against a live server (never a downloaded browser)."""

import time

import pytest

from tests.conftest import ARTIFACTS  # noqa: F401 - for the tests here; the `browser` fixture lives in tests/conftest.py


@pytest.fixture
def demo_world(transactional_db, settings, tmp_path):
    """The illustrative demo scenario loaded into the test database."""
    settings.DATA_DIR = tmp_path
    from safepassage.demo.loader import load_demo

    return load_demo(log=lambda m: None, damage_sample=200)  # a spread of the 17,422 damage points: faster


def second_factor_code(username: str) -> str:
    """The code the person's authenticator app shows now (one step ahead if this one was just used).

    django-otp refuses a code twice (replay), and accepts the next step's (clock drift), so two
    sign-ins of one account in the same 30 seconds each get a fresh code, as with a real phone.
    """
    import pyotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from safepassage.accounts.services import totp_secret

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = pyotp.TOTP(totp_secret(device))
    while True:
        device.refresh_from_db()
        step = int(time.time()) // 30
        for candidate in (step, step + 1):
            if candidate > (device.last_t if device.last_t is not None else -1):
                return totp.at(candidate * 30)
        time.sleep(1)


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the login page, and the second-factor page when the account has one."""
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url == f"{base}/" or "/account/two-factor/" in url)
    if "/account/two-factor/" in page.url:
        page.fill("input[name=code]", second_factor_code(username))
        page.click("main button[type=submit]")  # not the header's "Sign out"
        page.wait_for_url(f"{base}/")
