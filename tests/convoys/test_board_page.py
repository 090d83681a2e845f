"""The convoy board page shows each role the forms it may use, and nothing a liaison should not see."""

from __future__ import annotations

import pytest
from django.test import Client

from safepassage.accounts.models import User
from tests.convoys.fixtures import the_day_has_come
from tests.convoys.test_lifecycle import notify, ready, status

pytestmark = pytest.mark.django_db

FORMS = ("new-convoy-form", "notify-form", "status-form", "answer-form", "inspection-form", "seal-form",
         "delivery-form")


def html_as(username: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    r = client.get("/convoys/board/")
    assert r.status_code == 200
    return r.content.decode()


def forms_in(html: str) -> set[str]:
    return {f for f in FORMS if f'data-testid="{f}"' in html}


def test_public_is_sent_to_sign_in():
    r = Client().get("/convoys/board/")
    assert r.status_code == 302 and r["Location"] == "/login/?next=/convoys/board/"


def test_coordinator_plans_notifies_and_moves(actors, scene, convoy):
    html = html_as("u_coordinator")
    assert forms_in(html) == {"new-convoy-form", "notify-form", "status-form"}
    assert scene.corridor.name in html and "Warehouse West" in html  # choices of the new-convoy form
    # the pause's parties are ticked by default
    assert f'name="party_ids" value="{scene.parties["A"].pk}" checked' in html
    # planned: the first notification has its own form, so only "aborted" is a status button
    assert 'data-testid="status-aborted"' in html and 'data-testid="status-notified"' not in html
    assert "not notified" in html
    assert "Driver One" not in html  # driver names never travel to the board


def test_liaison_sees_only_the_answer_form_and_their_own_line(actors, coordinator, scene, convoy):
    assert convoy["reference"] not in html_as("u_party_liaison")  # not notified yet
    notify(coordinator, scene, convoy)
    html = html_as("u_party_liaison")
    assert convoy["reference"] in html
    assert forms_in(html) == {"answer-form"}
    assert "Party B" not in html and "Driver One" not in html and "ALP-1001" not in html
    assert "waiting for: Party A" in html
    nid = convoy_notification(coordinator, convoy)
    actors["party_liaison"].post(f"/api/notifications/{nid}/answer", {"state": "acknowledged"})
    html = html_as("u_party_liaison")
    assert forms_in(html) == set()
    assert "Your party&#x27;s answer:" in html or "Your party's answer:" in html
    assert "<strong>acknowledged</strong>" in html


def convoy_notification(api, convoy) -> int:
    return api.get(f"/api/convoys/{convoy['id']}").json()["notification"]["id"]


def test_coordinator_sees_what_still_blocks_clearance(actors, coordinator, scene, convoy):
    notify(coordinator, scene, convoy)
    html = html_as("u_coordinator")
    assert "waiting for: Party A, Party B" in html
    assert "no cleared inspection of the current manifest" in html
    assert 'data-testid="status-cleared"' in html


def test_field_officer_inspects_checks_seals_and_signs_the_receipt(actors, coordinator, scene, convoy):
    notify(coordinator, scene, convoy)
    html = html_as("u_field_officer")
    assert forms_in(html) == {"inspection-form", "status-form"}
    assert 'name="items_checked" value="3"' in html and 'name="no_weapons_attested"' in html
    c = ready(actors, coordinator, scene, convoy)
    assert "cleared to move" in html_as("u_field_officer")
    field = actors["field_officer"]
    the_day_has_come(scene)
    assert status(field, c, "departed").status_code == 200
    assert status(field, c, "arrived").status_code == 200
    html = html_as("u_field_officer")
    assert forms_in(html) == {"seal-form", "delivery-form", "status-form"}
    assert 'value="S-100" checked' in html and 'data-testid="received-2"' in html
    # the coordinator may sign the receipt (tracking) but not check seals (inspection)
    assert forms_in(html_as("u_coordinator")) == {"new-convoy-form", "delivery-form", "status-form"}


def test_partner_sees_no_forms_and_delivery_discrepancies_are_highlighted(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    field = actors["field_officer"]
    the_day_has_come(scene)
    assert status(field, c, "departed").status_code == 200
    status(field, c, "arrived")
    field.post(f"/api/convoys/{c['id']}/seal-check",
               {"found": [{"number": "S-100", "intact": True}, {"number": "S-101", "intact": True}]})
    lines = [{"line_no": 1, "quantity_received": 400}, {"line_no": 2, "quantity_received": 48},
             {"line_no": 3, "quantity_received": 12000}]
    r = field.post(f"/api/convoys/{c['id']}/delivery", {"received_by": "Local council warehouse", "lines": lines})
    assert r.status_code == 201, r.content
    html = html_as("u_partner")
    assert forms_in(html) == set()
    assert "has-discrepancy" in html and html.count('data-testid="discrepancy"') == 1
    assert "line 2, Trauma kits: 48 of 50 kit received" in html
    assert forms_in(html_as("u_coordinator")) == {"new-convoy-form"}  # a delivered convoy takes no more moves


def test_board_renders_right_to_left_in_arabic(actors, coordinator, scene, convoy):
    client = Client()
    client.force_login(User.objects.get(username="u_coordinator"))
    client.cookies["django_language"] = "ar"
    html = client.get("/convoys/board/").content.decode()
    assert 'dir="rtl"' in html and 'data-testid="new-convoy-form"' in html and convoy["reference"] in html
    assert 'id="i18n-strings"' in html and "convoys/board.js" in html
