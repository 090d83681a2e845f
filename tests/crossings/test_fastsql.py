"""core.fastsql stores and reads exactly what the ORM stores and reads (SQLite and PostgreSQL)."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from safepassage.audit.models import AuditEntry
from safepassage.core.fastsql import CompiledLookup, insert_rows
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
