"""What each role can read of pauses, convoys and notifications, field by field and row by row.

Generated from the OpenAPI document: every GET route under /api/pauses, /api/convoys and /api/notifications
is fetched as the public, as every staff role, and as the liaisons of party A and party B, against a world
where each party has things sent to it alone. A new route under those prefixes is fetched too, and fails
here until its path parameters are known.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from safepassage.api import api
from safepassage.core.permissions import Perm, Role, role_has
from safepassage.pauses import services as pause_services
from safepassage.pauses.schemas import PauseForParty, PausePublic, PauseRead
from tests.conftest import SYSTEM
from tests.convoys.fixtures import convoy, scene  # noqa: F401

pytestmark = pytest.mark.django_db

PREFIXES = ("/api/pauses", "/api/convoys", "/api/notifications")
STAFF = [r.value for r in Role if r not in (Role.PUBLIC, Role.PARTY_LIAISON)]
ROLES = ["public", *STAFF, "party_liaison", "liaison_b"]  # party_liaison is party A's liaison
USERNAMES = {"A": "u_party_liaison", "B": "u_liaison_b"}


def _routes() -> dict[str, Perm]:
    """GET route -> the permission it declares."""
    paths = api.get_openapi_schema()["paths"]
    return {p: Perm(methods["get"]["x-permission"]) for p, methods in sorted(paths.items())
            if "get" in methods and p.startswith(PREFIXES)}


ROUTES = _routes()


def _answer(client, nid, state, reason=""):
    r = client.post(f"/api/notifications/{nid}/answer", {"state": state, "reason": reason})
    assert r.status_code == 200, r.content


@pytest.fixture
def world(scene, convoy, actors, coordinator, parties):  # noqa: F811
    """Pauses, convoys and notifications sent to A only, to B only and to both; every text a sentinel."""
    a, b = parties["A"].pk, parties["B"].pk
    day = scene.day

    def pause(name, party_ids, offset_days):
        start = day + timedelta(days=offset_days, hours=7)
        return pause_services.create_pause(
            title=f"Pause {name}", starts_at=start, ends_at=start + timedelta(hours=6), place_ids=[],
            corridor_ids=[scene.corridor.pk], party_ids=party_ids, notes=f"PAUSE-NOTE-{name}", by=SYSTEM)

    def respond(p, key, state="accepted", note=None):
        who = "party_liaison" if key == "A" else "liaison_b"
        body = {"party_id": parties[key].pk, "state": state, "note": note or f"{key}-RESP-{p.pk}"}
        r = actors[who].post(f"/api/pauses/{p.pk}/responses", body)
        assert r.status_code == 200, r.content

    only_a, only_b, both = pause("A", [a], 1), pause("B", [b], 2), pause("AB", [a, b], 3)
    respond(only_a, "A")
    respond(only_b, "B")
    respond(both, "A")
    respond(both, "B")
    withdrawn = pause("W", [a, b], 4)
    respond(withdrawn, "A")
    respond(withdrawn, "B")
    pause_services.set_pause_status(pause_id=withdrawn.pk, status="agreed", by=SYSTEM)
    respond(withdrawn, "B", "refused", "B-WITHDRAW-REASON")
    agreed = pause("AG", [a, b], 5)
    respond(agreed, "A")
    respond(agreed, "B")
    pause_services.set_pause_status(pause_id=agreed.pk, status="agreed", by=SYSTEM)

    # A convoy notified to A and B, another to B only; notifications of sites to A only and to B only.
    notify = {"deadline": scene.deadline.isoformat()}
    r = coordinator.post(f"/api/convoys/{convoy['id']}/notify", {**notify, "party_ids": [a, b]})
    assert r.status_code == 200, r.content
    convoy_ab = r.json()
    _answer(actors["party_liaison"], convoy_ab["notification"]["id"], "refused", "A-ACK-REASON")
    _answer(actors["liaison_b"], convoy_ab["notification"]["id"], "refused", "B-ACK-REASON")
    r = coordinator.post("/api/convoys", scene.convoy_body(title="Second convoy"))
    assert r.status_code == 201, r.content
    r = coordinator.post(f"/api/convoys/{r.json()['id']}/notify", {**notify, "party_ids": [b]})
    assert r.status_code == 200, r.content
    convoy_b = r.json()
    _answer(actors["liaison_b"], convoy_b["notification"]["id"], "refused", "B-ACK-REASON")
    site_notes = {}
    for key in ("A", "B"):
        body = {"kind": "static_site", "site_id": scene.destination.pk, "title": f"Site for {key}",
                "who": "Relief organisation", "starts_at": scene.at(9).isoformat(),
                "deadline": scene.deadline.isoformat(), "party_ids": [parties[key].pk]}
        r = coordinator.post("/api/notifications", body)
        assert r.status_code == 201, r.content
        site_notes[key] = r.json()["id"]
        _answer(actors["party_liaison" if key == "A" else "liaison_b"], site_notes[key], "refused",
                f"{key}-ACK-REASON")

    pauses = {"A": only_a.pk, "B": only_b.pk, "AB": both.pk, "W": withdrawn.pk, "AG": agreed.pk,
              "scene": scene.pause.pk}
    convoys = {"AB": convoy_ab["id"], "B": convoy_b["id"]}
    notifications = {"convoy_AB": convoy_ab["notification"]["id"], "convoy_B": convoy_b["notification"]["id"],
                     "A": site_notes["A"], "B": site_notes["B"]}
    return {
        "ids": {"pause_id": pauses, "convoy_id": convoys, "notification_id": notifications},
        # which rows each party was sent
        "sent_to": {
            "pause_id": {"A": {"A", "AB", "W", "AG", "scene"}, "B": {"B", "AB", "W", "AG", "scene"}},
            "convoy_id": {"A": {"AB"}, "B": {"AB", "B"}},
            "notification_id": {"A": {"convoy_AB", "A"}, "B": {"convoy_AB", "convoy_B", "B"}},
        },
        "public_pauses": {"W", "AG", "scene"},  # agreed, and withdrawn within its window
    }


def _kind(route: str) -> str:
    return {"/api/pauses": "pause_id", "/api/convoys": "convoy_id", "/api/notifications": "notification_id"}[
        next(p for p in PREFIXES if route.startswith(p))]


def _fetches(route: str, world) -> list[tuple[str, str | None]]:
    """(url, row name) for each row the route can name; (url, None) for a route without parameters."""
    params = [part[1:-1] for part in route.split("/") if part.startswith("{")]
    if not params:
        return [(route, None)]
    assert len(params) == 1 and params[0] in world["ids"], f"{route}: add its parameters to this test's world"
    return [(route.replace("{" + params[0] + "}", str(pk)), name) for name, pk in world["ids"][params[0]].items()]


def _objects(value):
    """Every JSON object inside a body, depth first."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _objects(v)


def _rows(body) -> set[int]:
    """Ids of the rows a body shows: a list's (or the board's) items, or the one row of a detail."""
    return {i["id"] for i in body["items"]} if "items" in body else {body["id"]}


def _party_lines(body) -> list[dict]:
    """Every per-party line (a pause's responses, a notification's answers) anywhere in a body."""
    return [line for obj in _objects(body) for key in ("responses", "answers") for line in obj.get(key) or []]


def _check(role: str, route: str, url: str, row: str | None, response, world, parties) -> list[str]:
    kind = _kind(route)
    perm_ok = role_has("party_liaison" if role == "liaison_b" else role, ROUTES[route])
    if not perm_ok:
        return [] if response.status_code in (401, 403) else [f"{url}: expected 401/403, got {response.status_code}"]
    party = {"party_liaison": "A", "liaison_b": "B"}.get(role)
    names = world["ids"][kind]
    if role == "public":
        visible = world["public_pauses"] if kind == "pause_id" else set()
    elif party:
        visible = world["sent_to"][kind][party]
    else:
        visible = set(names)
    if row is not None and row not in visible:
        return [] if response.status_code == 404 else [f"{url}: row {row} must be hidden (404), got "
                                                       f"{response.status_code}"]
    if response.status_code != 200:
        return [f"{url}: expected 200, got {response.status_code}"]
    problems = []
    text = response.content.decode("utf-8", "replace") if response["Content-Type"] != "application/pdf" else ""
    forbidden = []
    if role == "public":
        forbidden = ["PAUSE-NOTE", "-RESP-", "B-WITHDRAW-REASON", "-ACK-REASON", *USERNAMES.values()]
    elif party:
        other = "B" if party == "A" else "A"
        forbidden = ["PAUSE-NOTE", f"{other}-RESP-", f"{other}-ACK-REASON", USERNAMES[other], "Driver One"]
        if party == "A":
            forbidden.append("B-WITHDRAW-REASON")
    elif not role_has(role, Perm.CONVOYS_EDIT):
        forbidden = ["Driver One"]
    problems += [f"{url}: {role} reads {word!r}" for word in forbidden if word in text]
    if not response["Content-Type"].startswith("application/json"):
        return problems
    body = response.json()
    allowed_ids = {names[n] for n in visible}
    problems += [f"{url}: {role} reads row #{pk}" for pk in sorted(_rows(body) - allowed_ids)]
    if route.endswith("s") and "{" not in route and visible:
        # the list shows every row the role may read (the world is smaller than a page)
        problems += [f"{url}: {role} misses row #{pk}" for pk in sorted(allowed_ids - _rows(body))]
    if party:
        own = parties[party].pk
        problems += [f"{url}: {role} reads party {line['party']}'s line" for line in _party_lines(body)
                     if line["party_id"] != own]
        for obj in _objects(body):
            if obj.get("driver_names"):
                problems.append(f"{url}: {role} reads driver names")
    if kind == "pause_id":
        expected = {"public": PausePublic, "party": PauseForParty}.get(
            "public" if role == "public" else "party" if party else "", PauseRead)
        items = body["items"] if "items" in body else [body]
        for item in items:
            keys, want = set(item), set(expected.model_fields)
            if keys != want:
                problems.append(f"{url}: {role} gets fields {sorted(keys ^ want)} wrong for its view")
    return problems


def test_the_generated_route_list_covers_the_three_families():
    assert {"/api/pauses", "/api/pauses/{pause_id}", "/api/convoys", "/api/convoys/{convoy_id}",
            "/api/notifications", "/api/notifications/{notification_id}"} <= set(ROUTES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_only_its_fields_and_rows(role, world, actors, parties):
    client = actors[role]
    problems = []
    for route in ROUTES:
        for url, row in _fetches(route, world):
            problems += _check(role, route, url, row, client.get(url, limit=1000), world, parties)
    assert not problems, "\n".join(problems)


def test_staff_read_everything_the_others_may_not(world, coordinator):
    """The positive control: the sentinels exist, so their absence elsewhere means something."""
    staff = coordinator.get(f"/api/pauses/{world['ids']['pause_id']['W']}").json()
    assert staff["notes"] == "PAUSE-NOTE-W" and staff["withdrawal_reason"] == "B-WITHDRAW-REASON"
    assert {x["by"] for x in staff["responses"]} == set(USERNAMES.values())
    text = json.dumps(coordinator.get(f"/api/convoys/{world['ids']['convoy_id']['AB']}").json())
    assert "Driver One" in text and "A-ACK-REASON" in text and "B-ACK-REASON" in text
    assert coordinator.get("/api/pauses", limit=1000).json()["count"] == len(world["ids"]["pause_id"])
