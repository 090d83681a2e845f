"""`record_many`: several entries under one lock, chained and hashed exactly as `record` does."""

import pytest
from django.db import connection, transaction

from safepassage.audit import guard
from safepassage.audit.models import AuditEntry, AuditHead
from safepassage.audit.services import GENESIS, UnknownAction, _digest, record, record_many, verify_chain
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def _entries(n, start=0):
    return [{"actor": SYSTEM, "action": "corridor.created", "object_type": "corridors.corridor",
             "object_id": start + i, "after": {"name": f"c{start + i}", "version": i}} for i in range(n)]


def test_record_many_appends_a_linked_chain():
    with transaction.atomic():
        rows = record_many(_entries(5))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.pk for e in entries] == [r.pk for r in rows]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    head = AuditHead.objects.get(id=1)
    assert (head.seq, head.last_hash) == (5, entries[-1].hash)
    assert verify_chain() == verify_chain().__class__(True, 5)


def test_hashes_are_those_record_would_write():
    with transaction.atomic():
        rows = record_many(_entries(3))
    for e in AuditEntry.objects.order_by("seq"):
        assert e.hash == _digest(seq=e.seq, at=e.at.isoformat(), actor_label=e.actor_label, action=e.action,
                                 object_type=e.object_type, object_id=e.object_id, before=e.before,
                                 after=e.after, prev_hash=e.prev_hash)
        assert e.actor_label == "system" and e.actor_id is None
    assert [r.hash for r in rows] == list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True))


def test_chain_across_mixed_record_and_record_many_calls():
    with transaction.atomic():
        record(actor=SYSTEM, action="corridor.created", object_type="x", object_id=0)
        record_many(_entries(3, start=1))
    with transaction.atomic():
        record(actor=SYSTEM, action="corridor.updated", object_type="x", object_id=4, before={"version": 1}, after={"version": 2})
    with transaction.atomic():
        record_many(_entries(2, start=5))
        record(actor=SYSTEM, action="corridor.created", object_type="x", object_id=7)
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 9))
    report = verify_chain()
    assert report.ok and report.checked == 8


def test_empty_batch_writes_nothing():
    with transaction.atomic():
        assert record_many([]) == []
    assert AuditEntry.objects.count() == 0 and verify_chain().ok


@pytest.mark.parametrize("column,value", [("after", '{"name": "forged"}'), ("object_id", "999"),
                                          ("actor_label", "someone-else")])
def test_tampering_inside_a_batch_is_caught_and_named(column, value):
    with transaction.atomic():
        record(actor=SYSTEM, action="corridor.created", object_type="x", object_id=0)
        record_many(_entries(4, start=1))
    with guard.unguarded(), connection.cursor() as cur:  # an attacker who owns the database
        cur.execute(f"UPDATE audit_auditentry SET {column} = %s WHERE seq = 3", [value])
    report = verify_chain()
    assert not report.ok and report.first_broken_seq == 3 and "altered" in report.reason


def test_deleting_an_entry_of_a_batch_is_caught():
    with transaction.atomic():
        record_many(_entries(4))
    with guard.unguarded():
        AuditEntry.objects.filter(seq=2).delete()
    report = verify_chain()
    assert not report.ok and report.first_broken_seq == 2


def test_unknown_action_refuses_the_whole_batch():
    with pytest.raises(UnknownAction), transaction.atomic():
        record_many([*_entries(2), {"actor": SYSTEM, "action": "corridor.teleported", "object_type": "x"}])
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_record_many_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_many(_entries(1))
    assert AuditEntry.objects.count() == 0


def test_a_batch_rolled_back_leaves_the_chain_as_it_was():
    with transaction.atomic():
        record_many(_entries(2))
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_many(_entries(3, start=2))
        1 / 0  # noqa: B018
    assert AuditHead.objects.get(id=1).seq == 2 and verify_chain().checked == 2
    with transaction.atomic():
        assert [r.seq for r in record_many(_entries(1, start=9))] == [3]
    assert verify_chain().ok
