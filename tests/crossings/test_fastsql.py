"""core.fastsql stores and reads exactly what the ORM stores and reads (SQLite and PostgreSQL)."""

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from safepassage.audit.models import AuditEntry
from safepassage.core.fastsql import (
    CompiledLookup,
    _numbered,
    _qmark,
    fetch_together,
    insert_new_rows,
    insert_rows,
    new_instance,
    plan_insert,
    run,
    run_at_commit,
    run_together,
    with_commit,
)
from safepassage.corridors.models import Checkpoint, CorridorStatusChange
from safepassage.crossings.models import CrossingCount

pytestmark = pytest.mark.django_db

AT = datetime(2016, 10, 20, 9, 30, 15, 123456, tzinfo=UTC)


def count(checkpoint, **extra) -> CrossingCount:
    fields = {"client_uuid": uuid.uuid4(), "checkpoint": checkpoint, "corridor": checkpoint.corridor,
              "direction": "out", "bucket_start": AT, "bucket_minutes": 15, "women": 3, "children": 2,
              "total_persons": 5, "flags": [{"code": "outside_hours", "reason": "closed at 17:00 — «test»"}],
              "review_status": "pending", "note": "ملاحظة", "source": "api", "received_at": AT}
    return CrossingCount(**{**fields, **extra})


def stored(obj) -> dict:
    row = type(obj).objects.get(pk=obj.pk)
    return {k: v for k, v in model_to_dict(row).items() if k != "id"}


def test_inserted_rows_read_back_exactly_as_bulk_create_stores_them(checkpoint):
    ours = [count(checkpoint), count(checkpoint, supersedes_uuid=uuid.uuid4(), flags=[], note="")]
    theirs = [count(checkpoint, client_uuid=uuid.uuid4()), count(checkpoint, supersedes_uuid=uuid.uuid4(), flags=[],
                                                                  note="")]
    insert_rows(ours)
    CrossingCount.objects.bulk_create(theirs)
    assert all(o.pk is not None and not o._state.adding for o in ours)
    for mine, orm in zip(ours, theirs, strict=True):
        a, b = stored(mine), stored(orm)
        a.pop("client_uuid"), b.pop("client_uuid"), a.pop("supersedes_uuid"), b.pop("supersedes_uuid")
        assert a == b
        assert stored(mine)["client_uuid"] == mine.client_uuid
    assert [c.pk for c in ours] == sorted(c.pk for c in ours)  # keys come back in the order of the rows


def test_many_rows_are_split_under_the_parameter_limit(checkpoint):
    rows = [count(checkpoint) for _ in range(700)]
    insert_rows(rows)
    assert CrossingCount.objects.count() == 700
    assert len({r.pk for r in rows}) == 700
    sample = rows[613]
    assert CrossingCount.objects.get(pk=sample.pk).client_uuid == sample.client_uuid


def test_a_clash_raises_djangos_integrity_error_and_inserts_nothing(checkpoint):
    first = count(checkpoint)
    insert_rows([first])
    twin = count(checkpoint, client_uuid=first.client_uuid)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([count(checkpoint), twin])
    assert CrossingCount.objects.count() == 1


def test_audit_entries_with_json_and_null_actor(checkpoint):
    entry = AuditEntry(seq=10**9, at=AT, actor=None, actor_label="system", action="crossing_count.submitted",
                       object_type="x", object_id="1", before=None, after={"a": [1, "ü"]}, prev_hash="0" * 64,
                       hash="f" * 64)
    insert_rows([entry])
    back = AuditEntry.objects.get(pk=entry.pk)
    assert (back.at, back.actor_id, back.before, back.after) == (AT, None, None, {"a": [1, "ü"]})


@pytest.mark.parametrize("field", ["client_uuid", "supersedes_uuid", "checkpoint_id", "direction"])
def test_compiled_lookup_finds_what_the_orm_finds(checkpoint, field):
    rows = [count(checkpoint, supersedes_uuid=uuid.uuid4(), direction=d) for d in ("out", "in", "out")]
    CrossingCount.objects.bulk_create(rows)
    lookup = CompiledLookup(CrossingCount, field)
    wanted = [getattr(rows[0], field), getattr(rows[1], field), getattr(rows[0], field)]
    if field.endswith("uuid"):
        wanted.append(uuid.uuid4())  # unknown
    got = lookup.fetch(wanted)
    orm = CrossingCount.objects.filter(**{f"{field}__in": wanted})
    assert sorted(model_to_dict(c).items().__str__() for c in got) == sorted(
        model_to_dict(c).items().__str__() for c in orm)
    assert all(not c._state.adding and c._state.db == "default" for c in got)
    assert lookup.fetch([]) == [] and lookup.fetch([None]) == []


def test_compiled_lookup_converts_datetimes_and_loads_related_ids(checkpoint):
    changes = CompiledLookup(CorridorStatusChange, "corridor_id").fetch([checkpoint.corridor_id])
    assert changes and all(c.at.tzinfo is not None for c in changes)
    assert {c.pk for c in changes} == set(
        CorridorStatusChange.objects.filter(corridor_id=checkpoint.corridor_id).values_list("pk", flat=True))
    [cp] = CompiledLookup(Checkpoint, "id").fetch([checkpoint.pk])
    assert (cp.name, cp.corridor_id, cp.lon, cp.lat) == (checkpoint.name, checkpoint.corridor_id, checkpoint.lon,
                                                        checkpoint.lat)


def test_values_of_another_type_are_prepared_as_the_orm_prepares_them(checkpoint):
    ours, theirs = count(checkpoint, women=True, is_current=0), count(checkpoint, women=True, is_current=0)
    insert_rows([ours])
    CrossingCount.objects.bulk_create([theirs])
    a, b = CrossingCount.objects.get(pk=ours.pk), CrossingCount.objects.get(pk=theirs.pk)
    assert (a.women, a.is_current) == (b.women, b.is_current) == (1, False)


def test_insert_new_rows_skips_clashes_on_any_unique_field_and_keeps_the_transaction(checkpoint):
    first = count(checkpoint, supersedes_uuid=uuid.uuid4())
    insert_rows([first])
    twin = count(checkpoint, client_uuid=first.client_uuid)  # clashes on client_uuid
    rival = count(checkpoint, supersedes_uuid=first.supersedes_uuid)  # clashes on supersedes_uuid
    fresh = count(checkpoint)
    with transaction.atomic():
        inserted = insert_new_rows([twin, fresh, rival], key="client_uuid")
        assert CrossingCount.objects.count() == 2  # the transaction is usable after the clashes
    assert inserted == [fresh]
    assert fresh.pk is not None and not fresh._state.adding
    assert twin.pk is None and rival.pk is None and twin._state.adding
    assert CrossingCount.objects.get(pk=fresh.pk).client_uuid == fresh.client_uuid


def test_insert_new_rows_refuses_a_key_repeated_within_the_rows(checkpoint):
    one = count(checkpoint)
    with pytest.raises(ValueError, match="client_uuid repeats"):
        insert_new_rows([one, count(checkpoint, client_uuid=one.client_uuid)], key="client_uuid")
    assert CrossingCount.objects.count() == 0


def test_insert_new_rows_still_raises_for_other_errors(checkpoint):
    bad = count(checkpoint, bucket_minutes=5000)  # breaks a check constraint: not a clash to skip
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new_rows([count(checkpoint), bad], key="client_uuid")
    assert CrossingCount.objects.count() == 0


def test_run_together_returns_each_statements_rows_in_order(checkpoint):
    rows = [count(checkpoint) for _ in range(3)]
    insert_rows(rows)
    table = CrossingCount._meta.db_table
    with transaction.atomic():
        got = run_together([(f"SELECT id FROM {table} WHERE id = %s", [rows[2].pk]),
                            (f"UPDATE {table} SET note = '100%%' || %s WHERE id = %s", [" sure", rows[0].pk]),
                            (f"SELECT id FROM {table} WHERE id IN (%s, %s) ORDER BY id", [rows[0].pk, rows[1].pk])])
    assert got == [[(rows[2].pk,)], [], [(rows[0].pk,), (rows[1].pk,)]]
    assert CrossingCount.objects.get(pk=rows[0].pk).note == "100% sure"  # "%%" is a literal "%"
    assert run_together([]) == []


def test_run_together_raises_djangos_error_and_the_transaction_is_rolled_back(checkpoint):
    first = count(checkpoint)
    insert_rows([first])
    twin, other = count(checkpoint, client_uuid=first.client_uuid), count(checkpoint)
    planned_twin, planned_other = plan_insert([twin]), plan_insert([other])
    with pytest.raises(IntegrityError), transaction.atomic():
        run_together([*planned_other.statements, *planned_twin.statements])
    assert CrossingCount.objects.count() == 1  # the other insert went with the failed transaction


def test_statements_go_through_djangos_cursor_when_queries_are_logged(checkpoint, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [count(checkpoint) for _ in range(2)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(rows)
        found = CompiledLookup(CrossingCount, "client_uuid").fetch([rows[0].client_uuid])
    assert [c.pk for c in found] == [rows[0].pk]
    assert len(queries) == 2 and "INSERT" in queries[0]["sql"]


def test_compiled_lookup_over_several_fields_matches_either(checkpoint):
    a, b, c = count(checkpoint), count(checkpoint), count(checkpoint)
    b.supersedes_uuid = a.client_uuid
    CrossingCount.objects.bulk_create([a, b, c])
    either = CompiledLookup(CrossingCount, "client_uuid", "supersedes_uuid")
    got = either.fetch([a.client_uuid])
    assert sorted(x.pk for x in got) == sorted([a.pk, b.pk])  # a by its own UUID, b as its correction
    assert {x.pk for x in either.fetch([b.client_uuid, c.client_uuid])} == {b.pk, c.pk}
    with pytest.raises(TypeError):
        CompiledLookup(CrossingCount, "client_uuid", "checkpoint_id")  # different types


def test_compiled_lookup_across_relations_returns_each_row_once(checkpoint):
    from safepassage.corridors import services as corridors
    from safepassage.corridors.models import Corridor
    from tests.conftest import SYSTEM

    second = corridors.add_checkpoint(corridor=checkpoint.corridor, name="Second CP", lon=37.18, lat=36.24, by=SYSTEM)
    lookup = CompiledLookup(Corridor, "checkpoints__id")
    [corridor] = lookup.fetch([checkpoint.pk, second.pk])  # joined twice, returned once
    assert corridor.pk == checkpoint.corridor_id
    changes = CompiledLookup(CorridorStatusChange, "corridor__checkpoints__id").fetch([checkpoint.pk, second.pk])
    assert sorted(c.pk for c in changes) == sorted(
        CorridorStatusChange.objects.filter(corridor=checkpoint.corridor).values_list("pk", flat=True))


def test_fetch_together_answers_each_lookup_in_order(checkpoint):
    rows = [count(checkpoint) for _ in range(2)]
    insert_rows(rows)
    cps, none, counts = fetch_together((CompiledLookup(Checkpoint, "id"), [checkpoint.pk]),
                                       (CompiledLookup(Checkpoint, "id"), []),
                                       (CompiledLookup(CrossingCount, "client_uuid"), [r.client_uuid for r in rows]))
    assert [c.pk for c in cps] == [checkpoint.pk] and none == []
    assert sorted(c.pk for c in counts) == sorted(r.pk for r in rows)


def test_placeholders_for_each_driver():
    assert _numbered("SELECT %s, '100%%', %s") == "SELECT $1, '100%', $2"
    assert _qmark("SELECT %s, '100%%', %s") == "SELECT ?, '100%', ?"


def test_key_share_takes_the_foreign_keys_lock_on_postgresql(checkpoint):
    from django.db import connection

    lookup = CompiledLookup(Checkpoint, "id", key_share=True)
    sql, _ = lookup.statement([checkpoint.pk])
    assert sql.endswith(" FOR KEY SHARE") == (connection.vendor == "postgresql")
    with transaction.atomic():
        assert [c.pk for c in lookup.fetch([checkpoint.pk])] == [checkpoint.pk]
    with pytest.raises(TypeError):
        CompiledLookup(Checkpoint, "id", key_share=True, for_update=True)


def _state(obj) -> dict:
    """Every field's attribute and every cached related object of an instance."""
    fields = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    cached = {f.name: f.get_cached_value(obj, None) for f in obj._meta.concrete_fields if f.is_relation}
    return {"fields": fields, "cached": cached, "adding": obj._state.adding, "db": obj._state.db}


def test_new_instance_builds_what_the_model_builds(checkpoint):
    values = {"client_uuid": uuid.uuid4(), "checkpoint": checkpoint, "corridor": checkpoint.corridor,
              "direction": "out", "bucket_start": AT, "bucket_minutes": 15, "women": 3, "flags": [],
              "note": "", "source": "api", "received_at": AT, "submitted_by": None, "reviewed_by_id": None}
    built, expected = new_instance(CrossingCount, **values), CrossingCount(**values)
    assert _state(built) == _state(expected)
    assert built.checkpoint is checkpoint and built.corridor is checkpoint.corridor  # cached: no query
    assert built.men == 0 and built.version == 1 and built.is_current  # defaults
    expected.client_uuid = uuid.uuid4()
    insert_rows([built, expected])
    assert {**stored(built), "client_uuid": None} == {**stored(expected), "client_uuid": None}
    with pytest.raises(TypeError, match="no field"):
        new_instance(CrossingCount, womens=3)
    with pytest.raises(ValueError, match="must be a Checkpoint instance"):  # as Model(**values) refuses it
        new_instance(CrossingCount, **{**values, "checkpoint": checkpoint.corridor})


@pytest.mark.parametrize("at", [AT, datetime(2016, 10, 20, 12, 30, 15, 7, tzinfo=ZoneInfo("Asia/Damascus")),
                                datetime(2016, 10, 20, 23, 59, tzinfo=ZoneInfo("America/Caracas"))])
def test_aware_datetimes_are_prepared_as_the_orm_prepares_them(checkpoint, at):
    from django.db import connection

    count = new_instance(CrossingCount, client_uuid=uuid.uuid4(), checkpoint=checkpoint,
                         corridor=checkpoint.corridor, direction="out", bucket_start=at, bucket_minutes=15,
                         flags=[], received_at=at)
    [(_, params)] = plan_insert([count]).statements
    field = CrossingCount._meta.get_field("bucket_start")
    assert params.count(field.get_db_prep_save(at, connection)) == 2  # bucket_start and received_at
    insert_rows([count])
    assert CrossingCount.objects.get(pk=count.pk).bucket_start == at


def test_new_instance_runs_the_model_init_when_someone_listens_to_it(checkpoint):
    from django.db.models.signals import post_init

    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=CrossingCount)
    try:
        built = new_instance(CrossingCount, client_uuid=uuid.uuid4(), checkpoint=checkpoint,
                             corridor=checkpoint.corridor, direction="out", bucket_start=AT, bucket_minutes=15,
                             flags=[], received_at=AT)
    finally:
        post_init.disconnect(listener, sender=CrossingCount)
    assert seen == [built]
    assert new_instance(CrossingCount, client_uuid=uuid.uuid4(), checkpoint=checkpoint, direction="out",
                        bucket_start=AT, bucket_minutes=5, received_at=AT) not in seen


# --- writes sent with the commit (with_commit / run_at_commit) ----------------------------------------

def _audit_row(seq: int) -> tuple[str, list]:
    sql = ("INSERT INTO audit_auditentry (seq, at, actor_label, action, object_type, object_id, prev_hash, hash) "
           "VALUES (%s, %s, 'system', 'crossing_count.submitted', 'test', %s, '', %s)")
    return sql, [10_000 + seq, AT, str(seq), f"h{seq}"]  # clear of the seqs of the fixtures' own entries


def _held_rows() -> list[int]:
    return sorted(int(i) for i in AuditEntry.objects.filter(object_type="test").values_list("object_id", flat=True))


@pytest.fixture
def commits_spied(monkeypatch):
    from safepassage.core import fastsql

    sent: list[list] = []
    real = fastsql._send_and_commit

    def spy(conn, statements):
        sent.append(list(statements))
        return real(conn, statements)

    monkeypatch.setattr(fastsql, "_send_and_commit", spy)
    return sent


@pytest.mark.django_db(transaction=True)
def test_held_writes_go_with_the_commit_on_postgresql(commits_spied):
    from django.db import connection

    with transaction.atomic(), with_commit():
        run_at_commit([_audit_row(1), _audit_row(2)])
    assert _held_rows() == [1, 2]
    # on PostgreSQL both rows and the COMMIT went in one round trip; on SQLite they ran at once
    assert len(commits_spied) == (1 if connection.vendor == "postgresql" else 0)
    assert not connection.in_atomic_block and connection.get_autocommit()


@pytest.mark.django_db(transaction=True)
def test_a_held_write_is_seen_by_the_next_statement_of_the_transaction(commits_spied):
    with transaction.atomic(), with_commit():
        run_at_commit([_audit_row(1)])
        assert run("SELECT object_id FROM audit_auditentry WHERE object_type = 'test'", []) == [("1",)]
        run_at_commit([_audit_row(2)])
    assert _held_rows() == [1, 2]
    assert [len(s) for s in commits_spied] in ([], [1])  # only the second waited for the commit


@pytest.mark.django_db(transaction=True)
def test_held_writes_are_dropped_with_a_failed_transaction(commits_spied):
    with pytest.raises(RuntimeError), transaction.atomic(), with_commit():
        run_at_commit([_audit_row(1)])
        raise RuntimeError("the batch failed")
    with transaction.atomic(), with_commit():
        run_at_commit([_audit_row(2)])
        transaction.set_rollback(True)  # as the group commit marks a failed batch
    assert _held_rows() == [] and commits_spied == []


@pytest.mark.django_db(transaction=True)
def test_a_held_write_that_fails_at_the_commit_rolls_the_transaction_back(checkpoint):
    with pytest.raises(IntegrityError), transaction.atomic(), with_commit():
        insert_rows([count(checkpoint)])
        run_at_commit([_audit_row(1), _audit_row(1)])  # the same seq twice: refused at the commit
    assert _held_rows() == [] and not CrossingCount.objects.exists()


def test_outside_a_commit_block_a_held_write_runs_at_once():
    run_at_commit([_audit_row(1)])
    assert _held_rows() == [1]


# --- plans on PostgreSQL --------------------------------------------------------------------------------

def _seq_scans_of_counts() -> int:
    [(scans,)] = run("SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables "
                     "WHERE relname = 'crossings_crossingcount'", [])
    return int(scans)


def test_the_intake_look_up_uses_its_index_after_the_table_grew(checkpoint):
    """A prepared statement's plan follows the table: planned for its values on each run (settings.py),
    never a generic plan made while the table was small (a sequential scan, kept as the table grew)."""
    from django.db import connection

    from safepassage.crossings.services import _COUNTS_BY_UUID_OR_CORRECTING as lookup

    if connection.vendor != "postgresql":  # no plan cache: SQLite plans each statement as it runs
        assert lookup.fetch([uuid.uuid4()]) == []
        return
    assert run("SHOW plan_cache_mode", []) == [("force_custom_plan",)]
    insert_rows([count(checkpoint) for _ in range(20)])
    run("ANALYZE crossings_crossingcount", [])  # a small table, as the statistics say
    keys = [uuid.uuid4() for _ in range(3)]
    for _ in range(15):  # prepared by psycopg after five runs, then run again and again
        lookup.fetch(keys)
    for _ in range(3):
        insert_rows([count(checkpoint) for _ in range(1000)])
    before = _seq_scans_of_counts()
    lookup.fetch(keys)
    assert _seq_scans_of_counts() == before  # read through the index


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_starts_after_the_held_writes_and_takes_only_its_own_along(commits_spied):
    with transaction.atomic(), with_commit():
        run_at_commit([_audit_row(1)])
        with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint
            run_at_commit([_audit_row(2)])
            raise RuntimeError("the savepoint is rolled back")
    assert _held_rows() == [1]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_held_when_the_block_is_not_the_outermost_transaction(commits_spied):
    with transaction.atomic(), transaction.atomic(), with_commit():
        run_at_commit([_audit_row(1)])
        assert run("SELECT count(*) FROM audit_auditentry WHERE object_type = 'test'", []) == [(1,)]
    assert _held_rows() == [1] and commits_spied == []


def test_the_plan_option_is_asked_only_with_prepared_statements(monkeypatch):
    import safepassage.settings as settings_module

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/d?options=-c%20statement_timeout%3D5000")
    monkeypatch.delenv("SAFEPASSAGE_PG_PREPARE", raising=False)
    prepared = settings_module._database_config()["OPTIONS"]
    assert prepared["options"] == "-c statement_timeout=5000 -c plan_cache_mode=force_custom_plan"
    monkeypatch.setenv("SAFEPASSAGE_PG_PREPARE", "off")  # behind PgBouncer
    unprepared = settings_module._database_config()["OPTIONS"]
    assert unprepared.get("options") == "-c statement_timeout=5000" and unprepared["prepare_threshold"] is None


# --- the write turn's plans on PostgreSQL (fastsql.cached_plans) -----------------------------------------

def _item(checkpoint, key: uuid.UUID, supersedes: uuid.UUID | None = None) -> dict:
    return {"client_uuid": str(key), "checkpoint_id": checkpoint.pk, "direction": "out",
            "bucket_start": datetime(2016, 10, 20, 9, 0, tzinfo=UTC), "bucket_minutes": 15,
            "counts": {"women": 3}, "supersedes_uuid": str(supersedes) if supersedes else None}


def _prepared_statements() -> list[str]:
    return [sql for (sql,) in run("SELECT statement FROM pg_prepared_statements", [])]


@pytest.mark.django_db(transaction=True)
def test_the_write_turn_uses_cached_plans_and_plans_the_counts_table_on_each_run(checkpoint):
    """In the intake's write turn PostgreSQL may use its cached plans; what reads or updates the growing
    counts table is never prepared (planned for the table as it is); after the turn, every run is
    planned again (settings.py)."""
    from django.db import connection

    from safepassage.core.groupcommit import serialised_writes
    from safepassage.crossings.services import submit_crossing_counts
    from tests.conftest import SYSTEM

    if connection.vendor != "postgresql":  # no plan cache: the turn's statements are SQLite's as they were
        with serialised_writes():
            assert submit_crossing_counts(items=[_item(checkpoint, uuid.uuid4())], by=SYSTEM)[0].status == "stored"
        return
    with serialised_writes():
        mode = run("SHOW plan_cache_mode", [])
    after = run("SHOW plan_cache_mode", [])
    assert (mode, after) == ([("auto",)], [("force_custom_plan",)])
    keys = [uuid.uuid4() for _ in range(12)]
    for i, key in enumerate(keys):  # stored, then retried, then corrected: every path of the turn, 12 times
        assert submit_crossing_counts(items=[_item(checkpoint, key)], by=SYSTEM)[0].status == "stored"
        assert submit_crossing_counts(items=[_item(checkpoint, key)], by=SYSTEM)[0].status == "duplicate"
        correction = submit_crossing_counts(items=[_item(checkpoint, uuid.uuid4(), supersedes=key)], by=SYSTEM)
        assert correction[0].status == "stored", (i, correction)
    assert CrossingCount.objects.filter(client_uuid__in=keys, is_current=False).count() == len(keys)  # relinked
    prepared = _prepared_statements()
    assert any("pg_advisory_xact_lock" in sql for sql in prepared)  # the turn's other statements are
    table = '"crossings_crossingcount"'
    on_counts = [sql for sql in prepared if table in sql and not sql.startswith("INSERT")]
    assert on_counts == []


@pytest.mark.django_db(transaction=True)
def test_in_the_write_turn_the_twins_look_up_reads_a_grown_table_through_its_index(checkpoint):
    from django.db import connection

    from safepassage.core.groupcommit import serialised_writes
    from safepassage.crossings.services import _COUNTS_BY_UUID_OR_CORRECTING as lookup

    if connection.vendor != "postgresql":
        return  # no plan cache (the SQLite side of the intake is tested throughout)
    insert_rows([count(checkpoint) for _ in range(20)])
    run("ANALYZE crossings_crossingcount", [])  # a small table, as the statistics say
    keys = [uuid.uuid4() for _ in range(3)]
    for _ in range(15):  # enough runs for a generic plan, were it prepared
        with serialised_writes():
            lookup.fetch(keys)
    for _ in range(3):
        insert_rows([count(checkpoint) for _ in range(1000)])
    with serialised_writes():
        before = _seq_scans_of_counts()
        lookup.fetch(keys)
        assert _seq_scans_of_counts() == before  # read through the index
    CrossingCount.objects.all().delete()
