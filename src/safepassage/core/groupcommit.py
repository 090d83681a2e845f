"""Group commit: concurrent small writes of one process share one transaction.

A count submission is a few hundred microseconds of work but a whole transaction: a write lock,
the audit chain's head, a commit. When many arrive at once (sixteen checkpoint devices emptying
their outboxes after a network cut), committing each on its own makes them queue on those locks.
Here the first request to arrive becomes the *leader*: it takes everything queued so far, runs it
as one batch in one transaction on its own connection, and hands every waiting request its own
result. Requests that arrived meanwhile form the next batch, led by the first of them. Nobody is
answered before the transaction holding its item has committed, so an acknowledgement still means
"stored", and a crash loses only unacknowledged work, which clients retry.

The leaders of the server's processes take turns (`serialised_writes`): on SQLite through a lock
file, since a blocked `flock` wakes the moment the lock is released, whereas SQLite's own busy
handler polls with sleeps of up to 100 ms, which is what made the tail latency of concurrent
writers so long; on PostgreSQL through an advisory lock.
"""

import contextlib
import fcntl
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

from safepassage.core.fastsql import cached_plans, run, with_commit

T = TypeVar("T")
R = TypeVar("R")

# The database is locked or gone: nothing one item could cause, so running items again cannot help.
_UNAVAILABLE = (OperationalError, InterfaceError)


class _Ticket:
    __slots__ = ("item", "ready", "result", "error", "lead")

    def __init__(self, item: Any):
        self.item = item
        self.ready = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.lead = False  # set when this waiting request is to lead the next batch


class GroupCommit(Generic[T, R]):
    """Run `run_batch(items) -> results` (one result per item, in order) for concurrent callers.

    `gate` is entered around each batch, before the batch is taken from the queue (for example
    `serialised_writes`, so that a batch grows while its leader waits for the database).

    `run_batch` must be all-or-nothing (one transaction). If it raises for a batch of several
    items, each item is run again on its own, so one bad item cannot fail its neighbours; so too,
    even for a batch of one, when the database refuses the commit as the gate is left.
    """

    def __init__(self, run_batch: Callable[[list[T]], Sequence[R]], *, max_batch: int = 64,
                 gate: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext):
        self._run_batch = run_batch
        self._gate = gate
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._leading = False
        self.batches = 0  # counters, for tests and diagnostics
        self.items = 0

    def submit(self, item: T) -> R:
        if connection.in_atomic_block:
            # Inside the caller's own transaction the item must share that transaction's fate.
            return self._run_batch([item])[0]
        ticket = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            ticket.lead = not self._leading
            self._leading = True
        while not ticket.lead:
            ticket.ready.wait()
            if ticket.lead:  # promoted: the previous leader has gone back to its own request
                ticket.ready.clear()
                break
            if ticket.error is not None:
                raise ticket.error
            return ticket.result
        self._lead(ticket)
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _lead(self, mine: _Ticket) -> None:
        """Run batches until `mine` is answered, then pass the lead to the oldest waiting request."""
        while True:
            batch: list[_Ticket] = []
            try:
                # Pass the gate (the database's write turn) first, then take the queue: requests that
                # arrive while the leader waits for its turn join its batch instead of waiting longer.
                # Answers go out only once the gate is left: when the gate is the transaction itself
                # (PostgreSQL), leaving it is the commit.
                try:
                    with self._writing_turn():
                        batch = self._take()
                        outcome = self._attempt(batch)
                except DatabaseError as exc:  # with a batch taken: leaving the turn (its commit) failed
                    if not batch:
                        raise
                    outcome = self._failed_commit(exc)
                if outcome.retry:  # an error one item may have caused: run each on its own, in its own turn
                    for ticket in batch:
                        try:
                            with self._gate():
                                single = self._attempt([ticket])
                        except DatabaseError as exc:  # its commit failed
                            if isinstance(exc, _UNAVAILABLE):
                                raise
                            single = _Outcome(error=exc)
                        self._settle([ticket], single)
                else:
                    self._settle(batch, outcome)
            except BaseException as exc:  # noqa: BLE001 - the gate failed (the database is unreachable?)
                # Never leave anyone waiting, and never lose the lead. If the batch was taken, its
                # unanswered tickets get the error; if not, only this request does (it was this
                # thread's connection that failed), and the next waiting request tries on its own.
                if not batch:
                    with self._lock:
                        if mine in self._queue:
                            self._queue.remove(mine)
                    batch = [mine]
                for ticket in batch:
                    if not ticket.ready.is_set():
                        self._answer(ticket, error=exc)
            with self._lock:
                if mine.ready.is_set():
                    if self._queue:
                        successor = self._queue[0]
                        successor.lead = True
                        successor.ready.set()
                    else:
                        self._leading = False
                    return

    @contextlib.contextmanager
    def _writing_turn(self) -> Iterator[None]:
        """The gate; from its entry until after its exit (on PostgreSQL, the commit), writers go first."""
        held = False
        try:
            with self._gate():
                writers_first.hold()
                held = True
                yield
        finally:
            if held:
                writers_first.release()

    def _take(self) -> list[_Ticket]:
        with self._lock:
            batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
        return batch

    def _attempt(self, batch: list[_Ticket]) -> "_Outcome":
        """Run a batch; its results, or the error and whether running each item on its own may help."""
        if not batch:
            return _Outcome(results=[])
        try:
            results = list(self._run_batch([t.item for t in batch]))
            if len(results) != len(batch):  # pragma: no cover - a programming error in run_batch
                raise RuntimeError(f"run_batch answered {len(results)} results for {len(batch)} items")
            return _Outcome(results=results)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting requests
            if connection.in_atomic_block:
                transaction.set_rollback(True)  # the gate's transaction: nothing of the batch is kept
            # Nothing one item could cause (the database is locked or gone): running each on its own
            # would only hold the write turn for as many timeouts.
            retry = len(batch) > 1 and isinstance(exc, Exception) and not isinstance(exc, _UNAVAILABLE)
            return _Outcome(error=exc, retry=retry)

    @staticmethod
    def _failed_commit(exc: DatabaseError) -> "_Outcome":
        """The batch's commit failed, as the gate was left (PostgreSQL: the gate is the transaction; on
        SQLite the commit is inside `run_batch`, whose errors `_attempt` judges). An item may have caused
        it (a check deferred to the commit, such as a foreign key to a submitter deleted meanwhile, or a
        write sent with it, `fastsql.run_at_commit`), so each item runs again on its own, even a batch of
        one: it reads everything again, its tokens included. Not when the database is locked or gone;
        errors that are not the database's (an on-commit hook) are not retried either: the batch is stored."""
        if isinstance(exc, _UNAVAILABLE):
            raise exc
        return _Outcome(error=exc, retry=True)

    def _settle(self, batch: list[_Ticket], outcome: "_Outcome") -> None:
        if outcome.error is not None:
            for ticket in batch:
                self._answer(ticket, error=outcome.error)
            return
        self.batches += 1
        self.items += len(batch)
        for ticket, result in zip(batch, outcome.results, strict=True):
            self._answer(ticket, result=result)

    @staticmethod
    def _answer(ticket: _Ticket, *, result: Any = None, error: BaseException | None = None) -> None:
        ticket.result, ticket.error = result, error
        ticket.ready.set()


class WritersFirst:
    """While a leader holds the write turn, the new requests of its process wait (a little) to start.

    The write turn is the server's one serial section: every other writer, in every process, waits
    for it. Yet a leader holding it shares the CPUs with every thread of the server and the interpreter
    lock with those of its process, and after each round trip to the database it waits for both: its
    turn lasted 1.4 (SQLite) to 2.3 (PostgreSQL) times its own CPU time (bench_ingest, 16 clients).
    So a request starting while a leader of its process holds the turn waits until the turn is left,
    at most `MAX_WAIT` seconds: it would only join the next batch anyway, which cannot start before
    this one has committed. Measured in paired runs (wrk, 16 clients, with a gunicorn worker that had
    a thread per connection, since reverted): 14 % more single submissions per second on PostgreSQL,
    1-10 % on SQLite; not measured in pairs with the gthread worker that `safepassage serve` runs.
    """

    MAX_WAIT = 0.02

    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._free = threading.Event()
        self._free.set()

    def hold(self) -> None:
        with self._lock:
            self._holders += 1
            self._free.clear()

    def release(self) -> None:
        with self._lock:
            self._holders = max(0, self._holders - 1)
            if not self._holders:
                self._free.set()

    def wait(self) -> None:
        """Called as a request starts: let a leader of this process finish its turn first."""
        self._free.wait(self.MAX_WAIT)


writers_first = WritersFirst()


@dataclass
class _Outcome:
    results: list | None = None
    error: BaseException | None = None
    retry: bool = False


_held = threading.local()  # this thread already holds the write turn (re-entry is a no-op)


# Any constant: the key of the PostgreSQL advisory lock that orders group-commit leaders.
_PG_LOCK_KEY = 0x5AFE_9A55


def holds_write_turn() -> bool:
    """Whether this thread is inside `serialised_writes` (on PostgreSQL: inside its transaction)."""
    return getattr(_held, "yes", False)


@contextlib.contextmanager
def serialised_writes() -> Iterator[None]:
    """Give the enclosed transaction its turn among the server's writers, queueing without polling.

    SQLite: an exclusive lock file next to the database. Processes then queue on the kernel's lock
    (woken at once on release) rather than in SQLite's busy handler (sleeping and polling).
    PostgreSQL: the enclosed block is one transaction, whose first statement takes a transaction-level
    advisory lock (sent with the BEGIN and the plan setting, `fastsql.cached_plans`; released by the
    commit or rollback: no round trip of its own),
    so that the next batch forms while its leader waits (the audit chain's head row would serialise
    these transactions anyway, but only once they have started); writes nobody reads back
    (`fastsql.run_at_commit`: the audit entries) go with its COMMIT, in one round trip. Re-entrant within a thread; a no-op
    inside a transaction (see below).
    """
    if getattr(_held, "yes", False) or connection.in_atomic_block:
        # Inside a transaction the database's own write lock may be held already: taking the turn
        # after it could deadlock with a leader that holds the turn and waits for the database.
        yield
        return
    if connection.vendor == "postgresql":
        # Writes nobody reads back (the audit entries) go with the COMMIT; the database's cached plans
        # are used (`fastsql.cached_plans`: the intake sends its statements on the counts table as EachRun).
        with transaction.atomic(), with_commit():
            cached_plans()
            # With the transaction's first statements (its BEGIN and the plan setting); released by the commit.
            run("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
            _held.yes = True
            try:
                yield
            finally:
                _held.yes = False
        return
    if connection.vendor != "sqlite":
        yield
        return
    path = Path(str(connection.settings_dict["NAME"]) + ".writelock")
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _held.yes = True
        try:
            yield
        finally:
            _held.yes = False
            fcntl.flock(handle, fcntl.LOCK_UN)
