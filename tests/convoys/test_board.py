"""The convoy board (JSON and page): today's and upcoming convoys, missing acknowledgements, position."""

from __future__ import annotations

import pytest
from django.test import Client

from safepassage.accounts.models import User
from tests.convoys.fixtures import the_day_has_come
from tests.convoys.test_lifecycle import notify, ready, status

pytestmark = pytest.mark.django_db


def page_as(username: str):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.get("/convoys/board/")


def test_board_json_shows_missing_acknowledgements_and_position(actors, coordinator, scene, convoy):
    nid = notify(coordinator, scene, convoy)["notification"]["id"]
    actors["party_liaison"].post(f"/api/notifications/{nid}/answer", {"state": "acknowledged"})
    board = coordinator.get("/api/convoys/board").json()
    item = board["items"][0]
    assert item["reference"] == convoy["reference"] and item["status"] == "notified"
    assert item["missing_acknowledgements"] == ["Party B"] and item["inspection"] == "not_inspected"
    # a liaison sees their own party's line only
    own = actors["liaison_b"].get("/api/convoys/board").json()["items"][0]
    assert own["missing_acknowledgements"] == ["Party B"]
    own_a = actors["party_liaison"].get("/api/convoys/board").json()["items"][0]
    assert own_a["missing_acknowledgements"] == []


def test_liaison_board_lists_only_their_partys_convoys(actors, coordinator, scene, convoy):
    other = coordinator.post("/api/convoys", scene.convoy_body(title="Second convoy")).json()
    notify(coordinator, scene, convoy, party_ids=[scene.parties["A"].pk])
    notify(coordinator, scene, other, party_ids=[scene.parties["B"].pk])
    assert [i["title"] for i in actors["liaison_b"].get("/api/convoys/board").json()["items"]] == ["Second convoy"]
    assert len(coordinator.get("/api/convoys/board").json()["items"]) == 2
    html = page_as("u_liaison_b").content.decode()
    assert "Second convoy" in html and convoy["reference"] not in html


def test_board_page_renders_status_inspection_and_position(actors, coordinator, scene, convoy):
    c = ready(actors, coordinator, scene, convoy)
    field = actors["field_officer"]
    the_day_has_come(scene)
    assert status(field, c, "departed").status_code == 200
    field.post(f"/api/convoys/{c['id']}/positions", {"lon": 37.15, "lat": 36.21})
    r = page_as("u_coordinator")
    assert r.status_code == 200
    html = r.content.decode()
    assert c["reference"] in html and "departed" in html and "cleared" in html
    assert 'data-testid="board-map"' in html
    features = r.context["map"]["features"]
    position = next(f for f in features if f["properties"]["kind"] == "position")
    assert position["properties"]["ref"] == c["reference"] and position["geometry"]["coordinates"] == [37.15, 36.21]
    assert any(f["properties"]["kind"] == "route" and f["properties"]["ref"] == c["reference"] for f in features)


def test_board_page_needs_sign_in_and_permission(actors):
    assert Client().get("/convoys/board/").status_code == 302
    assert page_as("u_partner").status_code == 200
