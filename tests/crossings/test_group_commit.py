"""Group commit: concurrent single submissions share a transaction, each answered with its own result."""

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from django.db import OperationalError, connection

from safepassage.audit.models import AuditEntry
from safepassage.core.groupcommit import GroupCommit, serialised_writes
from safepassage.crossings import services
from safepassage.crossings.models import CrossingCount
from tests.conftest import SYSTEM


def run_threads(n: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def wrapped(i: int) -> None:
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads), "a submitter was left waiting"
    return errors


class SlowBatches:
    """A run_batch that records its batches and takes a little time, so that callers pile up."""

    def __init__(self, fail_on=None):
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        threading.Event().wait(0.01)
        if self.fail_on in items:
            raise ValueError(f"item {self.fail_on} is bad")
        with self.lock:
            self.batches.append(list(items))
        return [i * 10 for i in items]


def test_each_caller_gets_its_own_result_and_callers_share_batches():
    run = SlowBatches()
    gc = GroupCommit(run)
    results: dict[int, int] = {}
    assert not run_threads(16, lambda i: results.__setitem__(i, gc.submit(i)))
    assert results == {i: i * 10 for i in range(16)}
    assert sorted(i for b in run.batches for i in b) == list(range(16))  # each item run exactly once
    assert len(run.batches) < 16  # some shared a batch
    assert gc.items == 16 and gc.batches == len(run.batches)


def test_a_failing_item_fails_alone():
    run = SlowBatches(fail_on=7)
    gc = GroupCommit(run)
    results: dict[int, int] = {}
    errors = run_threads(12, lambda i: results.__setitem__(i, gc.submit(i)))
    assert [str(e) for e in errors] == ["item 7 is bad"]
    assert results == {i: i * 10 for i in range(12) if i != 7}


def test_batches_are_capped():
    run = SlowBatches()
    gc = GroupCommit(run, max_batch=3)
    assert not run_threads(12, gc.submit)
    assert max(len(b) for b in run.batches) <= 3
    assert sorted(i for b in run.batches for i in b) == list(range(12))


def test_a_lone_caller_is_served_at_once():
    run = SlowBatches()
    gc = GroupCommit(run)
    assert [gc.submit(i) for i in range(3)] == [0, 10, 20]
    assert run.batches == [[0], [1], [2]]


def test_serialised_writes_is_reentrant_in_a_thread(transactional_db):
    with serialised_writes(), serialised_writes():
        pass  # a second flock of the same file from this thread would block for ever


def item(checkpoint_id: int, women: int, key: uuid.UUID | None = None) -> dict:
    return {"client_uuid": key or uuid.uuid4(), "checkpoint_id": checkpoint_id, "direction": "out",
            "bucket_start": datetime(2016, 10, 20, 9, 0, tzinfo=UTC), "bucket_minutes": 60,
            "counts": {"women": women}}


@pytest.mark.django_db(transaction=True)
def test_concurrent_single_submissions_are_stored_once_each_and_audited(checkpoint):
    keys = [uuid.uuid4() for _ in range(24)]
    answers: dict[int, services.Submitted] = {}

    def submit(i: int) -> None:
        key = keys[i % 12]  # every submission is sent twice, by two threads at once
        answers[i] = services.submit_crossing_count(**item(checkpoint.pk, i % 12, key), by=SYSTEM)

    assert not run_threads(24, submit)
    assert CrossingCount.objects.count() == 12
    assert sorted(a.duplicate for a in answers.values()) == [False] * 12 + [True] * 12
    for i, answer in answers.items():
        assert answer.count.client_uuid == keys[i % 12] and answer.count.women == i % 12
    assert AuditEntry.objects.filter(action="crossing_count.submitted").count() == 12
    from safepassage.audit.services import verify_chain

    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_refused_submission_does_not_fail_the_others_of_its_transaction(checkpoint):
    key = uuid.uuid4()
    services.submit_crossing_count(**item(checkpoint.pk, 1, key), by=SYSTEM)
    outcomes: dict[int, object] = {}

    def submit(i: int) -> None:
        try:
            # thread 0 reuses the stored UUID with a different payload: refused, naming the field
            data = item(checkpoint.pk, 99, key) if i == 0 else item(checkpoint.pk, i)
            outcomes[i] = services.submit_crossing_count(**data, by=SYSTEM)
        except Exception as exc:  # noqa: BLE001 - checked below
            outcomes[i] = exc

    assert not run_threads(10, submit)
    assert [e.field for e in outcomes[0].errors] == ["women"]
    assert all(isinstance(outcomes[i], services.Submitted) and not outcomes[i].duplicate for i in range(1, 10))
    assert CrossingCount.objects.count() == 10


class FlakyGate:
    """A gate that fails the first `failures` times it is entered (as when the database is unreachable)."""

    def __init__(self, failures: int):
        self.failures = failures
        self.lock = threading.Lock()

    def __call__(self):
        import contextlib

        with self.lock:
            fail = self.failures > 0
            self.failures -= 1
        if fail:
            raise ConnectionError("database unreachable")
        return contextlib.nullcontext()


def test_a_failing_gate_answers_everyone_and_leadership_survives():
    run = SlowBatches()
    gc = GroupCommit(run, gate=FlakyGate(failures=2))
    results: dict[int, object] = {}

    def submit(i: int) -> None:
        try:
            results[i] = gc.submit(i)
        except ConnectionError as exc:
            results[i] = exc

    assert not run_threads(12, submit)  # nobody is left waiting (run_threads joins with a timeout)
    assert len(results) == 12
    failed = [i for i, r in results.items() if isinstance(r, ConnectionError)]
    assert len(failed) == 2  # only the request whose turn failed; the next one tries on its own
    assert all(results[i] == i * 10 for i in results if i not in failed)
    later: dict[int, int] = {}
    assert not run_threads(1, lambda i: later.__setitem__(i, gc.submit(99)))
    assert later == {0: 990}  # later submissions are served


def test_a_database_error_fails_the_batch_without_item_by_item_retries():
    from django.db import OperationalError

    calls: list[list[int]] = []

    def locked(items: list[int]) -> list[int]:
        calls.append(list(items))
        threading.Event().wait(0.01)
        raise OperationalError("database is locked")

    gc = GroupCommit(locked)
    outcomes: dict[int, object] = {}

    def submit(i: int) -> None:
        try:
            gc.submit(i)
        except OperationalError as exc:
            outcomes[i] = exc

    assert not run_threads(8, submit)
    assert len(outcomes) == 8
    assert sum(len(c) for c in calls) == 8  # each item run once: no retries holding the write turn


@pytest.mark.django_db(transaction=True)
def test_under_the_write_turn_a_failed_batch_keeps_nothing_and_each_item_is_retried_in_its_own_turn():
    from django.db import transaction

    from safepassage.audit.services import record, verify_chain
    from safepassage.core.groupcommit import holds_write_turn

    turns: list[list[str]] = []

    def write(items: list[str]) -> list[str]:
        assert holds_write_turn()
        turns.append(list(items))
        with transaction.atomic(savepoint=not holds_write_turn()):
            for it in items:
                record(actor=SYSTEM, action="crossing_count.submitted", object_type="test", object_id=it)
            threading.Event().wait(0.005)  # let callers pile up
            if "bad" in items:
                raise ValueError("bad item")
        return [f"ok {it}" for it in items]

    def gate():
        # The first leader waits for all ten submissions, so that the bad one shares their batch.
        for _ in range(500):
            if turns or len(gc._queue) == 10:
                break
            threading.Event().wait(0.01)
        return serialised_writes()

    gc = GroupCommit(write, gate=gate)
    outcomes: dict[int, object] = {}

    def submit(i: int) -> None:
        try:
            outcomes[i] = gc.submit("bad" if i == 3 else str(i))
        except ValueError as exc:
            outcomes[i] = exc

    assert not run_threads(10, submit)
    assert isinstance(outcomes[3], ValueError)
    assert all(outcomes[i] == f"ok {i}" for i in range(10) if i != 3)
    assert len(turns[0]) == 10 and "bad" in turns[0]  # it failed the shared batch,
    assert sorted(map(tuple, turns[1:])) == sorted((it,) for it in turns[0])  # then each ran on its own
    ids = sorted(AuditEntry.objects.values_list("object_id", flat=True))
    assert ids == sorted(str(i) for i in range(10) if i != 3)  # the failed batch's writes went with it
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_count_and_an_edit_of_its_corridor_at_once_both_go_through(checkpoint):
    """The corridor's editor locks it, then the audit head; the intake locks what its counts refer to
    before the head. Taken the other way round (the head, then the corridor at commit for the foreign
    key), PostgreSQL found a deadlock and failed one of them."""
    import time

    from django.db import transaction

    from safepassage.audit.services import record, verify_chain
    from safepassage.corridors.models import Corridor

    locked = threading.Event()
    outcomes: dict[str, object] = {}

    def edit() -> None:
        with transaction.atomic():
            Corridor.objects.select_for_update().get(pk=checkpoint.corridor_id)
            locked.set()
            time.sleep(0.3)  # the intake starts meanwhile
            record(actor=SYSTEM, action="corridor.updated", obj=checkpoint.corridor, after={"note": "edited"})
        outcomes["edit"] = "done"

    def submit() -> None:
        locked.wait(5)
        outcomes["count"] = services.submit_crossing_count(**item(checkpoint.pk, 4), by=SYSTEM)

    assert not run_threads(2, lambda i: (edit if i == 0 else submit)())
    assert outcomes["edit"] == "done" and not outcomes["count"].duplicate
    assert verify_chain().ok


def test_writers_go_first_while_the_turn_is_held_and_not_after():
    from safepassage.core.groupcommit import WritersFirst, writers_first

    seen = []

    class Gate:
        def __enter__(self):
            seen.append(("enter", writers_first._free.is_set()))

        def __exit__(self, *exc):
            seen.append(("exit", writers_first._free.is_set()))  # on PostgreSQL: the commit

    def run_batch(items):
        seen.append(("batch", writers_first._free.is_set()))
        started = time.monotonic()
        writers_first.wait()  # a request starting now waits, at most MAX_WAIT
        seen.append(("waited", time.monotonic() - started))
        return items

    group = GroupCommit(run_batch, gate=Gate)
    assert group.submit(7) == 7
    assert [s[0] for s in seen] == ["enter", "batch", "waited", "exit"]
    assert seen[0][1] and not seen[1][1] and not seen[3][1]  # held from entering the gate until it is left
    assert WritersFirst.MAX_WAIT * 0.9 <= seen[2][1] < 1.0
    assert writers_first._free.is_set()  # released: nobody waits any more
    started = time.monotonic()
    writers_first.wait()
    assert time.monotonic() - started < WritersFirst.MAX_WAIT / 2


def test_a_gate_that_fails_holds_nothing_back():
    from safepassage.core.groupcommit import writers_first

    def failing_gate():
        raise ConnectionError("database unreachable")

    writers_first.hold()  # another leader holds the turn
    try:
        with pytest.raises(ConnectionError):
            GroupCommit(lambda items: items, gate=failing_gate).submit(1)
        assert not writers_first._free.is_set()  # the failure did not release the other leader's hold
    finally:
        writers_first.release()
    assert writers_first._free.is_set()


# --- a failed commit; a twin stored meanwhile ------------------------------------------------------------------------

def _failing_commits(failures: list, error: BaseException):
    """A gate whose end (the commit) raises `error` while `failures` holds anything."""
    import contextlib

    @contextlib.contextmanager
    def gate():
        yield
        if failures:
            failures.pop()
            raise error

    return gate


class Recorded:
    """A run_batch that records the items of each run and answers `answer(item)` for each."""

    def __init__(self, answer=lambda item: item):
        self.runs: list[list[int]] = []
        self.answer = answer

    def __call__(self, items: list[int]) -> list[int]:
        self.runs.append(list(items))
        return [self.answer(item) for item in items]


def test_a_batch_whose_commit_fails_is_run_again_item_by_item_even_a_batch_of_one():
    from django.db import IntegrityError

    run = Recorded(lambda i: i * 10)
    gc = GroupCommit(run, gate=_failing_commits([1], IntegrityError("a row clashed at the commit")))
    assert gc.submit(7) == 70
    assert run.runs == [[7], [7]]  # the failed commit, then its item on its own


def test_a_commit_that_keeps_failing_answers_its_error_after_one_retry():
    from django.db import IntegrityError

    run = Recorded()
    gc = GroupCommit(run, gate=_failing_commits([1, 1], IntegrityError("the commit failed")))
    with pytest.raises(IntegrityError):
        gc.submit(1)
    assert run.runs == [[1], [1]]
    assert gc.submit(2) == 2  # and the lead is not lost


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"),  # the database is gone
                                   RuntimeError("an on-commit hook failed")])  # not the database's: stored
def test_a_failure_as_the_turn_ends_that_no_item_caused_is_not_retried(error):
    run = Recorded()
    gc = GroupCommit(run, gate=_failing_commits([1], error))
    with pytest.raises(type(error)):
        gc.submit(1)
    assert run.runs == [[1]]  # run once: not again
    assert gc.submit(2) == 2


@pytest.mark.django_db(transaction=True)
def test_a_twin_stored_by_an_ungated_writer_while_the_turn_ran_makes_the_count_a_duplicate(checkpoint, monkeypatch):
    """The turn's reads find no twin; before its insert, a writer outside the write turn (in its own
    transaction) stores one. The count is then answered as a duplicate, stored once (its insert skips
    the clash, which is then judged on its own)."""
    from django.db import transaction

    from safepassage.core.fastsql import insert_rows

    if connection.vendor != "postgresql":
        return  # SQLite: the turn's transaction holds the database's write lock from its BEGIN (IMMEDIATE)
    real_read = services._read_for
    twins: list[CrossingCount] = []

    def read_then_store_a_twin(parsed, *args, **kwargs):
        reads = real_read(parsed, *args, **kwargs)
        if not twins:
            twin, _ = services._prepare(parsed[0], checkpoints=reads.checkpoints, histories=reads.histories,
                                        source="api", user=None)
            twins.append(twin)

            def store() -> None:
                with transaction.atomic():
                    insert_rows([twin])
                connection.close()

            other = threading.Thread(target=store)
            other.start()
            other.join(10)
        return reads

    monkeypatch.setattr(services, "_read_for", read_then_store_a_twin)
    sent = item(checkpoint.pk, 5)
    answer = services.submit_crossing_count(**sent, by=SYSTEM)
    assert answer.duplicate and answer.count.pk == twins[0].pk
    assert CrossingCount.objects.filter(client_uuid=sent["client_uuid"]).count() == 1
    assert not AuditEntry.objects.filter(action="crossing_count.submitted").exists()  # the twin's writer audits its own
