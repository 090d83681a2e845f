"""The count form page and its service worker; a second-factor code typed in Arabic-Indic digits is read."""

from __future__ import annotations

import json
import re
import time

import pyotp
import pytest
from django.test import Client

from safepassage.accounts import services as accounts
from safepassage.core.permissions import Role
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _signed_in(username, role):
    accounts.create_user(username=username, role=role, password=PASSWORD, by=SYSTEM)
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_form_defines_each_group_and_takes_any_digits(checkpoint):
    page = _signed_in("officer", Role.FIELD_OFFICER).get("/crossings/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="number"' not in html  # Chromium's number input refuses Arabic-Indic digits
    assert html.count('inputmode="numeric"') == 10
    assert "An older woman (60 and over) is counted under older people" in html
    assert "not added again" in html and "A number of weapons, not of people." in html
    assert 'data-sw="/crossings/sw.js"' in html
    assert "onclick" not in html and "<script>" not in html  # no inline scripts (CSP)


def test_the_form_reads_right_in_arabic(checkpoint):
    client = _signed_in("officer", Role.FIELD_OFFICER)
    html = client.get("/crossings/new/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in html
    assert "المرأة المسنّة" in html  # the women's definition
    strings = json.loads(re.search(r'id="i18n-strings"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert strings["savedHere"].startswith("حُفظت على هذا الهاتف")  # "saved on this phone", for the script
    assert 'name="bucket_start" required dir="ltr"' in html


def test_the_service_worker_is_served_from_the_forms_scope_to_anyone():
    response = Client().get("/crossings/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"  # a new version is picked up at once
    assert response["Service-Worker-Allowed"] == "/crossings/"
    assert b"/crossings/new/" in response.content
    assert Client().post("/crossings/sw.js").status_code == 405


def test_the_form_is_still_closed_to_roles_that_do_not_count():
    assert _signed_in("partner", Role.PARTNER).get("/crossings/new/").status_code == 403
    assert Client().get("/crossings/new/")["Location"].startswith("/login/")


@pytest.mark.parametrize("digits", [ARABIC, EASTERN])
def test_a_second_factor_code_in_arabic_indic_digits_is_accepted(digits):
    client = _signed_in("boss", Role.COORDINATOR)
    secret = client.get("/account/two-factor/enrol/").context["secret"]
    wrong = client.post("/account/two-factor/enrol/", {"code": "٠٠٠٠٠٠x", "next": "/"})
    assert wrong.status_code == 400
    done = client.post("/account/two-factor/enrol/", {"code": pyotp.TOTP(secret).now().translate(digits),
                                                      "next": "/"})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    again = Client()
    assert again.post("/login/", {"username": "boss", "password": PASSWORD}).status_code == 302
    assert again.get("/claims/")["Location"].startswith("/account/two-factor/")
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the current one was just used
    assert again.post("/account/two-factor/", {"code": code.translate(digits), "next": "/"})["Location"] == "/"
    assert again.get("/claims/").status_code == 200
