"""The audit log: written with each change, hash-chained, tamper-evident."""

import subprocess
import sys

import pytest
from django.db import connection, transaction

from safepassage.audit import guard
from safepassage.audit.models import AuditEntry
from safepassage.audit.services import UnknownAction, record, verify_chain
from safepassage.corridors import services
from tests.conftest import LINE, SYSTEM

pytestmark = pytest.mark.django_db


def _make_entries(n=3):
    for i in range(n):
        services.create_corridor(name=f"c{i}", geometry=LINE, direction="out", eligible_groups=["civilians"],
                                 opens_at="08:00", closes_at="17:00", by=SYSTEM)


def test_each_write_appends_a_linked_entry():
    _make_entries(3)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert verify_chain().ok


@pytest.mark.parametrize("column,value", [("after", '{"name": "forged"}'), ("actor_label", "someone-else"),
                                          ("action", "corridor.updated")])
def test_tampering_with_a_row_is_caught_and_named(column, value):
    _make_entries(3)
    with guard.unguarded(), connection.cursor() as cur:  # an attacker who owns the database
        cur.execute(f"UPDATE audit_auditentry SET {column} = %s WHERE seq = 2", [value])
    report = verify_chain()
    assert not report.ok and report.first_broken_seq == 2 and "altered" in report.reason


def test_deleting_a_row_is_caught():
    _make_entries(3)
    with guard.unguarded():
        AuditEntry.objects.filter(seq=2).delete()
    report = verify_chain()
    assert not report.ok and report.first_broken_seq == 2


def test_deleting_the_last_row_is_caught():
    _make_entries(3)
    with guard.unguarded():
        AuditEntry.objects.filter(seq=3).delete()
    assert verify_chain().first_broken_seq == 3


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET actor_label = 'someone-else' WHERE seq = 2",
    "DELETE FROM audit_auditentry WHERE seq = 2",
    "DELETE FROM audit_auditentry",
])
def test_the_database_refuses_to_change_or_delete_entries(statement):
    _make_entries(3)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert AuditEntry.objects.count() == 3 and verify_chain().ok


def test_the_database_refuses_to_truncate_entries():
    # SQLite has no TRUNCATE: a DELETE without WHERE is its truncation, and a trigger disables that.
    statement = "TRUNCATE audit_auditentry CASCADE" if connection.vendor == "postgresql" else "DELETE FROM audit_auditentry"
    _make_entries(1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":  # settle the deferred foreign-key checks first
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(statement)
    assert AuditEntry.objects.count() == 1


def test_entries_name_the_actor_by_account_id_and_role(actors):
    actors["coordinator"].post("/api/corridors", {
        "name": "North exit", "geometry": LINE, "direction": "out", "eligible_groups": ["civilians"],
        "opens_at": "08:00", "closes_at": "17:00"})
    entry = AuditEntry.objects.filter(action="corridor.created").get()
    user = actors["coordinator"].principal.user
    assert entry.actor_label == f"coordinator#{user.pk}" and entry.actor_id == user.pk
    assert user.username not in entry.actor_label


def test_failed_change_leaves_no_entry():
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll back both
        services.create_corridor(name="x", geometry={"type": "Point", "coordinates": [1, 2]}, direction="out",
                                 eligible_groups=["civilians"], opens_at="08:00", closes_at="17:00", by=SYSTEM)
    assert AuditEntry.objects.count() == 0


def test_unknown_action_code_is_refused():
    with pytest.raises(UnknownAction), transaction.atomic():
        record(actor=SYSTEM, action="corridor.teleported", object_type="x", object_id=1)


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(actor=SYSTEM, action="corridor.created", object_type="x", object_id=1)


def test_audit_api_is_read_only_and_permission_checked(actors):
    _make_entries(2)
    assert actors["coordinator"].get("/api/audit", action="corridor.created").json()["count"] == 2
    assert actors["partner"].get("/api/audit").status_code == 403
    assert actors["public"].get("/api/audit").status_code == 401
    assert actors["verifier"].get("/api/audit/verify").json() == {
        "ok": True, "checked": AuditEntry.objects.count(), "first_broken_seq": None, "reason": ""}
    assert actors["coordinator"].post("/api/audit", {}).status_code == 405


def test_audit_page_requires_permission(client, actors):
    from safepassage.accounts.models import User

    assert client.get("/audit/").status_code == 302
    client.force_login(User.objects.get(username="u_partner"))
    assert client.get("/audit/").status_code == 403
    client.force_login(User.objects.get(username="u_coordinator"))
    assert client.get("/audit/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_cli_verify_names_the_broken_entry(tmp_path):
    """`safepassage audit verify` against a real database file."""
    import os

    env = {**os.environ, "SAFEPASSAGE_SQLITE": str(tmp_path / "db.sqlite3"), "SAFEPASSAGE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    run = lambda *a: subprocess.run([sys.executable, "-m", "safepassage.cli", *a], env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    assert run("migrate", "-v0").returncode == 0
    script = ("import django,os;os.environ['DJANGO_SETTINGS_MODULE']='safepassage.settings';django.setup();"
              "from tests.audit.test_audit_chain import _make_entries;_make_entries(3)")
    assert subprocess.run([sys.executable, "-c", script], env=env, timeout=120).returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "3 entries verified" in ok.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as db:  # an attacker who owns the file drops the guard first
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit_auditentry SET after = '{}' WHERE seq = 2")
    broken = run("audit", "verify")
    assert broken.returncode == 1 and "#2" in broken.stderr
