"""The convoy lifecycle is one transition table; random sequences never reach an invalid state."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepassage.convoys import lifecycle
from safepassage.core.errors import DomainError
from tests.conftest import SYSTEM
from tests.convoys.fixtures import MANIFEST, VEHICLES


def test_table_is_closed_and_every_state_is_reachable_and_can_end():
    assert set(lifecycle.TRANSITIONS) == set(lifecycle.STATUSES)
    for targets in lifecycle.TRANSITIONS.values():
        assert targets <= set(lifecycle.STATUSES)
    reach, frontier = {lifecycle.PLANNED}, [lifecycle.PLANNED]
    while frontier:
        for nxt in lifecycle.TRANSITIONS[frontier.pop()]:
            if nxt not in reach:
                reach.add(nxt)
                frontier.append(nxt)
    assert reach == set(lifecycle.STATUSES)
    for state in lifecycle.STATUSES:
        assert (not lifecycle.TRANSITIONS[state]) == (state in lifecycle.FINAL)
    assert lifecycle.TRANSITIONS[lifecycle.PLANNED] == {lifecycle.NOTIFIED, lifecycle.ABORTED}


@given(st.lists(st.sampled_from([*lifecycle.STATUSES, "teleported", ""]), max_size=40))
def test_random_sequences_on_the_table(targets):
    state, path = lifecycle.PLANNED, [lifecycle.PLANNED]
    for target in targets:
        try:
            state = lifecycle.check(state, target)
            path.append(state)
        except lifecycle.IllegalTransition as exc:
            assert exc.allowed == sorted(lifecycle.TRANSITIONS[state])
            assert ("allowed next: " + (", ".join(exc.allowed) or "none (final state)")) in str(exc)
        assert state in lifecycle.STATUSES
    for a, b in zip(path, path[1:], strict=False):
        assert b in lifecycle.TRANSITIONS[a]
    if lifecycle.DELIVERED in path:
        assert path[path.index(lifecycle.DELIVERED) - 1] == lifecycle.ARRIVED
    if lifecycle.DEPARTED in path:
        assert path[path.index(lifecycle.DEPARTED) - 1] == lifecycle.CLEARED


ACTIONS = st.one_of(
    st.sampled_from(["notify", "ack_all", "ack_one", "refuse_one", "inspect", "inspect_refused", "seals",
                     "deliver", "change_manifest"]),
    st.tuples(st.just("status"), st.sampled_from(lifecycle.STATUSES)),
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(ACTIONS, min_size=1, max_size=14))
def test_random_operations_through_the_services_never_break_the_lifecycle(scene, actors, steps):
    from safepassage.convoys import services
    from safepassage.convoys.models import Convoy
    from safepassage.deconfliction import selectors as notices
    from safepassage.deconfliction import services as notice_services

    convoy = services.create_convoy(
        title="c", organisation=scene.organisation, origin=scene.origin, destination=scene.destination,
        corridor=scene.corridor, planned_departure=scene.at(8), planned_arrival=scene.at(12),
        vehicles=VEHICLES, manifest=MANIFEST, by=SYSTEM)
    liaisons = [actors["party_liaison"].principal, actors["liaison_b"].principal]
    party_ids = [p.pk for p in scene.parties.values()]

    def run(step):
        if step == "notify":
            services.notify_convoy(convoy_id=convoy.pk, deadline=scene.deadline, party_ids=party_ids, by=SYSTEM)
        elif step in ("ack_all", "ack_one", "refuse_one"):
            n = notices.current_for_convoy(convoy.pk)
            if n is None:
                return
            who = liaisons if step == "ack_all" else liaisons[:1]
            for p in who:
                notice_services.respond(notification_id=n.pk, by=p,
                                        state="refused" if step == "refuse_one" else "acknowledged",
                                        reason="not now" if step == "refuse_one" else "")
        elif step in ("inspect", "inspect_refused"):
            ok = step == "inspect"
            services.record_inspection(convoy_id=convoy.pk, result="cleared" if ok else "refused",
                                       no_weapons_attested=ok, items_checked=[1, 2, 3], seals=["S1"],
                                       remarks="" if ok else "refused", place=scene.origin, by=SYSTEM)
        elif step == "seals":
            services.check_seals(convoy_id=convoy.pk, found=[{"number": "S1", "intact": True}], by=SYSTEM)
        elif step == "deliver":
            services.record_delivery(convoy_id=convoy.pk, received_by="council", by=SYSTEM,
                                     lines=[{"line_no": i, "quantity_received": 1} for i in (1, 2, 3)])
        elif step == "change_manifest":
            c = Convoy.objects.get(pk=convoy.pk)
            services.set_manifest(convoy_id=c.pk, expected_version=c.version, lines=MANIFEST, by=SYSTEM)
        else:
            services.set_status(convoy_id=convoy.pk, status=step[1], reason="because", by=SYSTEM)

    for step in steps:
        before = Convoy.objects.get(pk=convoy.pk).status
        try:
            run(step)
        except DomainError:
            assert Convoy.objects.get(pk=convoy.pk).status == before  # a refusal changes nothing
        c = Convoy.objects.get(pk=convoy.pk)
        assert c.status in lifecycle.STATUSES
        if c.status == lifecycle.CLEARED:
            assert notices.all_acknowledged(notices.current_for_convoy(c.pk))
            assert services.latest_clearing_inspection(c) is not None
        if c.status == lifecycle.DELIVERED:
            assert hasattr(c, "receipt")
    history = list(c.status_history.order_by("id").values_list("from_status", "status"))
    assert history[0] == ("", lifecycle.PLANNED)
    for (_, prev), (frm, to) in zip(history, history[1:], strict=False):
        assert frm == prev and to in lifecycle.TRANSITIONS[frm]
    assert history[-1][1] == c.status
