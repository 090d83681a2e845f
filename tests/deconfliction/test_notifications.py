"""Notifications to the parties: who answers, deadlines, re-notification, concurrent answers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.core.errors import StateConflict
from safepassage.core.timeutil import now
from safepassage.deconfliction import services
from safepassage.deconfliction.models import Acknowledgement, AckState
from tests.conftest import LINE, SYSTEM

pytestmark = pytest.mark.django_db


def fields(r) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in r.json()["errors"]}


@pytest.fixture
def hospital(db):
    from safepassage.places import services as places

    return places.create_place(kind="site", name="Field hospital", name_ar="مستشفى ميداني", site_type="hospital",
                               geometry={"type": "Point", "coordinates": [37.16, 36.21]}, by=SYSTEM)


def site_body(hospital, parties, **over):
    start = now() + timedelta(days=1)
    body = {"kind": "static_site", "site_id": hospital.pk, "title": "Field hospital in operation",
            "who": "Medical relief organisation", "starts_at": start.isoformat(),
            "deadline": (now() + timedelta(hours=12)).isoformat(), "party_ids": [p.pk for p in parties.values()]}
    body.update(over)
    return body


def evacuation_body(parties, **over):
    start = now() + timedelta(days=2)
    body = {"kind": "evacuation", "title": "Evacuation of wounded", "who": "Red Crescent ambulances",
            "geometry": LINE, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
            "deadline": (start - timedelta(hours=24)).isoformat(), "party_ids": [p.pk for p in parties.values()]}
    body.update(over)
    return body


def test_static_site_notification_and_answers(actors, coordinator, parties, hospital):
    r = coordinator.post("/api/notifications", site_body(hospital, parties))
    assert r.status_code == 201, r.content
    n = r.json()
    assert n["geometry"]["type"] == "Point" and n["ends_at"] is None and n["revision"] == 1
    assert n["missing"] == ["Party A", "Party B"] and not n["cleared"]
    assert n["short_notice"] is False  # a static site has no notice period

    a = actors["party_liaison"].post(f"/api/notifications/{n['id']}/answer", {"state": "acknowledged"})
    assert a.status_code == 200 and a.json()["party"] == "Party A" and a.json()["by"] == "u_party_liaison"
    no_reason = actors["liaison_b"].post(f"/api/notifications/{n['id']}/answer", {"state": "refused"})
    assert no_reason.status_code == 422 and "reason" in fields(no_reason)
    b = actors["liaison_b"].post(f"/api/notifications/{n['id']}/answer",
                                 {"state": "refused", "reason": "coordinates to be confirmed"})
    assert b.status_code == 200
    full = coordinator.get(f"/api/notifications/{n['id']}").json()
    assert {x["party"]: x["state"] for x in full["answers"]} == {"Party A": "acknowledged", "Party B": "refused"}
    assert full["missing"] == ["Party B"] and not full["cleared"]
    # each liaison sees only their own party's answer
    own = actors["liaison_b"].get(f"/api/notifications/{n['id']}").json()
    assert [x["party"] for x in own["answers"]] == ["Party B"] and own["missing"] == ["Party B"]
    assert AuditEntry.objects.filter(action="notification.refused").count() == 1


def test_only_the_partys_own_liaison_answers(actors, coordinator, parties, hospital):
    n = coordinator.post("/api/notifications", site_body(hospital, parties)).json()
    url = f"/api/notifications/{n['id']}/answer"
    other = actors["party_liaison"].post(url, {"state": "acknowledged", "party_id": parties["B"].pk})
    assert other.status_code == 403 and "own party" in other.json()["detail"]
    assert actors["coordinator"].post(url, {"state": "acknowledged"}).status_code == 403
    assert actors["partner"].post(url, {"state": "acknowledged"}).status_code == 403
    assert actors["public"].post(url, {"state": "acknowledged"}).status_code == 401
    assert Acknowledgement.objects.filter(state=AckState.PENDING).count() == 2


def test_liaison_sees_only_notifications_sent_to_their_party(actors, coordinator, parties, hospital):
    only_b = coordinator.post("/api/notifications", site_body(hospital, parties, party_ids=[parties["B"].pk]))
    assert only_b.status_code == 201
    assert actors["party_liaison"].get("/api/notifications").json()["count"] == 0
    assert actors["party_liaison"].get(f"/api/notifications/{only_b.json()['id']}").status_code == 404
    assert actors["liaison_b"].get("/api/notifications").json()["count"] == 1
    answer = actors["party_liaison"].post(f"/api/notifications/{only_b.json()['id']}/answer",
                                          {"state": "acknowledged"})
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"deadline": "2000-01-01T00:00:00+00:00"}, "deadline"),
        ({"party_ids": [999999]}, "party_ids"),
        ({"party_ids": []}, "party_ids"),
        ({"geometry": {"type": "Point", "coordinates": [37.1, 36.2]}}, "geometry"),
        ({"ends_at": None}, "ends_at"),
        ({"starts_at": "2030-01-01T08:00:00"}, "starts_at"),
        ({"who": ""}, "who"),
        ({"kind": "convoy"}, "kind"),
    ],
)
def test_bad_evacuation_notifications_name_the_field(coordinator, parties, over, field):
    r = coordinator.post("/api/notifications", evacuation_body(parties, **over))
    assert r.status_code == 422, r.content
    assert field in fields(r), r.json()


def test_deadline_after_start_is_refused(coordinator, parties):
    body = evacuation_body(parties)
    body["deadline"] = body["ends_at"]
    r = coordinator.post("/api/notifications", body)
    assert r.status_code == 422 and "before the movement starts" in fields(r)["deadline"]


def test_no_answer_by_the_deadline_is_recorded(actors, parties, hospital):
    sent = now() - timedelta(hours=5)

    def past():
        return services.notify(kind="static_site", site=hospital, title="Meal station", geometry=hospital.geometry,
                               starts_at=sent, ends_at=None, deadline=sent + timedelta(hours=2), who="NGO",
                               party_ids=[p.pk for p in parties.values()], by=SYSTEM, at=sent)

    n, other = past(), past()
    view = actors["coordinator"].get(f"/api/notifications/{n.pk}").json()
    assert {a["state"] for a in view["answers"]} == {"no_answer"}  # computed before it is recorded
    late = actors["party_liaison"].post(f"/api/notifications/{n.pk}/answer", {"state": "acknowledged"})
    assert late.status_code == 409 and "deadline passed" in late.json()["detail"]
    assert Acknowledgement.objects.get(notification=n, party=parties["A"]).state == AckState.NO_ANSWER
    swept = actors["coordinator"].post("/api/notifications/deadlines", {})
    assert swept.status_code == 200 and swept.json()["recorded"] == 2  # the other notification's two parties
    assert other.acknowledgements.filter(state=AckState.NO_ANSWER).count() == 2
    assert set(Acknowledgement.objects.values_list("state", flat=True)) == {AckState.NO_ANSWER}
    entry = AuditEntry.objects.filter(action="notification.no_answer").first()
    assert entry.actor_label == "system"
    from safepassage.jobs.schedules import run_now

    assert run_now("deadline_sweep").result == {"recorded": 0}  # the schedule run by hand: nothing left


def test_same_answer_twice_is_idempotent_a_different_one_is_refused(actors, coordinator, parties, hospital):
    n = coordinator.post("/api/notifications", site_body(hospital, parties)).json()
    url = f"/api/notifications/{n['id']}/answer"
    first = actors["party_liaison"].post(url, {"state": "acknowledged"})
    again = actors["party_liaison"].post(url, {"state": "acknowledged"})
    assert first.status_code == again.status_code == 200 and first.json()["at"] == again.json()["at"]
    assert AuditEntry.objects.filter(action="notification.acknowledged").count() == 1
    change = actors["party_liaison"].post(url, {"state": "refused", "reason": "changed our mind"})
    assert change.status_code == 409 and "already acknowledged" in change.json()["detail"]


def test_renotification_supersedes_and_invalidates_acknowledgements(actors, coordinator, parties):
    n = coordinator.post("/api/notifications", evacuation_body(parties)).json()
    assert actors["party_liaison"].post(f"/api/notifications/{n['id']}/answer",
                                        {"state": "acknowledged"}).status_code == 200
    new_route = {"type": "LineString", "coordinates": [[37.19, 36.23], [37.20, 36.25]]}
    r = coordinator.post(f"/api/notifications/{n['id']}/renotify",
                         {"reason": "route moved north, a day earlier", "geometry": new_route,
                          "starts_at": (now() + timedelta(hours=30)).isoformat(),
                          "ends_at": (now() + timedelta(hours=33)).isoformat(),
                          "deadline": (now() + timedelta(hours=20)).isoformat()})
    assert r.status_code == 201, r.content
    new = r.json()
    assert n["notice_hours"] > 47.9 and new["short_notice"] is True and new["notice_hours"] < 30.1
    assert new["revision"] == 2 and new["supersedes_id"] == n["id"] and new["series"] == n["series"]
    assert {a["state"] for a in new["answers"]} == {"pending"} and new["missing"] == ["Party A", "Party B"]
    old = coordinator.get(f"/api/notifications/{n['id']}").json()
    assert old["state"] == "superseded" and old["superseded_by_id"] == new["id"] and not old["cleared"]
    stale = actors["liaison_b"].post(f"/api/notifications/{n['id']}/answer", {"state": "acknowledged"})
    assert stale.status_code == 409 and "superseded by revision 2" in stale.json()["detail"]
    wrong_rev = actors["liaison_b"].post(f"/api/notifications/{new['id']}/answer",
                                         {"state": "acknowledged", "revision": 1})
    assert wrong_rev.status_code == 409
    twice = coordinator.post(f"/api/notifications/{n['id']}/renotify",
                             {"reason": "x", "deadline": (now() + timedelta(hours=20)).isoformat()})
    assert twice.status_code == 409


def test_ack_and_route_change_resolve_the_same_way_in_either_order(parties):
    """Whichever commits first, an acknowledgement never counts for a route it did not see."""
    from safepassage.accounts.models import User
    from safepassage.core.principal import principal_for_user

    start = now() + timedelta(days=2)

    def fresh():
        return services.notify(kind="evacuation", title="Evacuation", geometry=LINE, starts_at=start,
                               ends_at=start + timedelta(hours=2), deadline=start - timedelta(hours=1),
                               who="ICRC", party_ids=[parties["A"].pk], by=SYSTEM)

    liaison = principal_for_user(User.objects.create(username="lia", role="party_liaison", party=parties["A"]))
    # order 1: the answer first, then the change: the answer stays on revision 1 only
    n1 = fresh()
    services.respond(notification_id=n1.pk, state="acknowledged", by=liaison)
    r2 = services.renotify(notification_id=n1.pk, changes={"geometry": LINE}, reason="time moved",
                           deadline=start - timedelta(hours=1), by=SYSTEM)
    assert r2.acknowledgements.get().state == AckState.PENDING
    # order 2: the change first, then the answer to the old revision: refused
    n2 = fresh()
    services.renotify(notification_id=n2.pk, changes={}, reason="time moved", deadline=start - timedelta(hours=1),
                      by=SYSTEM)
    with pytest.raises(StateConflict):
        services.respond(notification_id=n2.pk, state="acknowledged", by=liaison)


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)

    def run(i, fn):
        from django.db import connections

        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_liaisons_at_the_same_instant(parties):
    """Two parties answer at once: both stand. Two answers for one party at once: exactly one stands."""
    from safepassage.accounts import services as accounts
    from safepassage.core.principal import principal_for_user

    a1 = principal_for_user(accounts.create_user(username="a1", role="party_liaison", password=None,
                                                 party=parties["A"], by=SYSTEM))
    a2 = principal_for_user(accounts.create_user(username="a2", role="party_liaison", password=None,
                                                 party=parties["A"], by=SYSTEM))
    b1 = principal_for_user(accounts.create_user(username="b1", role="party_liaison", password=None,
                                                 party=parties["B"], by=SYSTEM))
    start = now() + timedelta(days=2)
    n = services.notify(kind="evacuation", title="Evacuation", geometry=LINE, starts_at=start,
                        ends_at=start + timedelta(hours=2), deadline=start - timedelta(hours=1), who="ICRC",
                        party_ids=[parties["A"].pk, parties["B"].pk], by=SYSTEM)
    out = _race([lambda: services.respond(notification_id=n.pk, state="acknowledged", by=a1),
                 lambda: services.respond(notification_id=n.pk, state="acknowledged", by=b1)])
    assert all(isinstance(x, Acknowledgement) for x in out), out
    n2 = services.renotify(notification_id=n.pk, changes={}, reason="again", deadline=start - timedelta(hours=1),
                           by=SYSTEM)
    out = _race([lambda: services.respond(notification_id=n2.pk, state="acknowledged", by=a1),
                 lambda: services.respond(notification_id=n2.pk, state="refused", reason="no", by=a2)])
    errors = [x for x in out if isinstance(x, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], StateConflict), out
    ack = Acknowledgement.objects.get(notification=n2, party=parties["A"])
    winner = next(x for x in out if isinstance(x, Acknowledgement))
    assert ack.state == winner.state and ack.by_id == winner.by_id
    assert AuditEntry.objects.filter(action__in=["notification.acknowledged", "notification.refused"],
                                     object_id=str(n2.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_answer_racing_a_route_change_never_counts_for_the_new_route(parties):
    from safepassage.accounts import services as accounts
    from safepassage.core.principal import principal_for_user
    from safepassage.deconfliction.models import Notification

    liaison = principal_for_user(accounts.create_user(username="ra", role="party_liaison", password=None,
                                                      party=parties["A"], by=SYSTEM))
    start = now() + timedelta(days=2)
    for _ in range(3):
        n = services.notify(kind="evacuation", title="Evacuation", geometry=LINE, starts_at=start,
                            ends_at=start + timedelta(hours=2), deadline=start - timedelta(hours=1), who="ICRC",
                            party_ids=[parties["A"].pk], by=SYSTEM)
        ack, new = _race([
            lambda n=n: services.respond(notification_id=n.pk, state="acknowledged", by=liaison),
            lambda n=n: services.renotify(notification_id=n.pk, changes={}, reason="route moved",
                                          deadline=start - timedelta(hours=1), by=SYSTEM)])
        assert isinstance(new, Notification), new
        assert isinstance(ack, Acknowledgement | StateConflict), ack
        assert new.acknowledgements.get().state == AckState.PENDING
        old_state = Acknowledgement.objects.get(notification_id=n.pk).state
        assert old_state == (AckState.ACKNOWLEDGED if isinstance(ack, Acknowledgement) else AckState.PENDING)
