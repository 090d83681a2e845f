"""The exchange with the parties, readable on both sides: reasons, conditions, refusals first."""

from __future__ import annotations

import pytest
from django.test import Client

from safepassage.accounts.models import User
from safepassage.audit.models import AuditEntry
from tests.convoys.test_lifecycle import notify

pytestmark = pytest.mark.django_db


def board_html(username: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    r = client.get("/convoys/board/")
    assert r.status_code == 200
    return r.content.decode()


def test_conditions_reasons_and_refusals_first(actors, coordinator, scene, convoy):
    nid = notify(coordinator, scene, convoy)["notification"]["id"]
    r = actors["party_liaison"].post(f"/api/notifications/{nid}/answer",
                                     {"state": "acknowledged", "conditions": "no armed escort"})
    assert r.status_code == 200, r.content
    assert r.json()["conditions"] == "no armed escort"
    entry = AuditEntry.objects.filter(action="notification.acknowledged").latest("id")
    assert entry.after["conditions"] == "no armed escort"
    # conditions belong to an acknowledgement; a refusal gives its reason
    bad = actors["liaison_b"].post(f"/api/notifications/{nid}/answer",
                                   {"state": "refused", "reason": "shelling", "conditions": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "conditions"
    r = actors["liaison_b"].post(f"/api/notifications/{nid}/answer",
                                 {"state": "refused", "reason": "fighting near the crossing"})
    assert r.status_code == 200
    answers = coordinator.get(f"/api/convoys/{convoy['id']}").json()["notification"]["answers"]
    assert [(a["party"], a["state"]) for a in answers] == [("Party B", "refused"), ("Party A", "acknowledged")]
    assert answers[0]["reason"] == "fighting near the crossing" and answers[1]["conditions"] == "no armed escort"

    html = board_html("u_coordinator")
    refused, acked = html.index('data-testid="answer-Party B"'), html.index('data-testid="answer-Party A"')
    assert refused < acked
    assert "fighting near the crossing" in html and "no armed escort" in html
    assert f'href="/api/notifications/{nid}/letter"' in html and f'href="/api/notifications/{nid}/cap"' in html
    # a liaison sees their own answer and its conditions, never the other party's
    own = board_html("u_party_liaison")
    assert "no armed escort" in own and "fighting near the crossing" not in own
    assert 'data-testid="letter-link"' not in own


def test_letter_link_opens_for_the_coordinator(actors, coordinator, scene, convoy):
    nid = notify(coordinator, scene, convoy)["notification"]["id"]
    client = Client()
    client.force_login(User.objects.get(username="u_coordinator"))
    r = client.get(f"/api/notifications/{nid}/letter")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert client.get(f"/api/notifications/{nid}/cap").status_code == 200


def test_liaison_sees_what_their_party_is_asked_to_guarantee(actors, coordinator, scene, convoy):
    nid = notify(coordinator, scene, convoy)["notification"]["id"]
    client = Client()
    client.force_login(User.objects.get(username="u_party_liaison"))
    r = client.get(f"/convoys/notifications/{nid}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "ALP-1001" in html and "white, blue emblem" in html and "Cargo corridor" in html
    assert "Wheat flour" in html and 'data-testid="route-map"' in html and 'data-testid="answer-form"' in html
    assert "Driver One" not in html and "Driver Two" not in html
    assert 'data-testid="short-notice"' not in html  # three days' notice
    assert 'data-testid="letter-link"' not in html
    # another party's liaison was notified too; someone not notified gets a 404, the public signs in
    assert Client().get(f"/convoys/notifications/{nid}/").status_code == 302
    staff = Client()
    staff.force_login(User.objects.get(username="u_coordinator"))
    page = staff.get(f"/convoys/notifications/{nid}/").content.decode()
    assert 'data-testid="letter-link"' in page and 'data-testid="answer-form"' not in page
    assert staff.get("/convoys/notifications/999999/").status_code == 404


def test_short_notice_is_flagged(actors, coordinator, scene, convoy):
    from datetime import timedelta

    from safepassage.core.timeutil import now
    from safepassage.deconfliction.models import Notification

    nid = notify(coordinator, scene, convoy)["notification"]["id"]
    Notification.objects.filter(pk=nid).update(sent_at=now(), starts_at=now() + timedelta(hours=20))
    client = Client()
    client.force_login(User.objects.get(username="u_party_liaison"))
    html = client.get(f"/convoys/notifications/{nid}/").content.decode()
    assert 'data-testid="short-notice"' in html and "48 hours" in html
