"""Gunicorn settings of `safepassage serve`: connections spread evenly over the workers, a cheaper access log.

`BalancedThreadWorker`: gunicorn's threaded worker (gthread) leaves the spread of connections over
the workers to chance: each worker accepts whatever it wakes up for first. Devices keep their
connection open (keep-alive), so when many connect at once (checkpoint devices back online after a
network cut, or a load test's sixteen clients) one worker may get most or all of them. It then
serves them under its one interpreter lock, on one CPU, while the others idle: in one run in three
of `benchmarks/bench_ingest.py`, all sixteen connections went to one of the two workers, and the
server answered 600-690 single submissions a second instead of 1,000-1,290, with 43 % of the CPUs
idle. Here a worker holding more connections than another leaves a new one to it, for at most
`MAX_DEFER` seconds (so a stuck worker cannot keep connections waiting).

`AccessLogger`: gunicorn's own access logger builds a dictionary of some thirty "atoms" for every
request (all the headers included) before formatting one line; at a thousand count submissions a
second that was about a tenth of the server's time. This logger writes the same combined-log line
(the default format) from the few values it needs.
"""

import logging
import os
import time
from collections.abc import Callable
from multiprocessing import sharedctypes

from gunicorn import glogging
from gunicorn.config import AccessLogFormat
from gunicorn.workers.gthread import ThreadWorker


class ConnectionTable:
    """How many connections each worker holds, in memory the master's workers share.

    Made when the master imports this module (it loads the worker class before it forks), so every
    worker inherits the same table. A slot is a worker's pid and its count. The master, which builds
    each worker object before forking it, one at a time, picks the slot (`reserve`: a free one, or one
    whose worker is gone); the worker writes its pid when it starts serving (`open`) and clears it when
    it stops (`release`). No lock is shared between processes: a worker killed while holding one would
    stop all the others.
    """

    RESERVED = -1  # chosen by the master; the worker has not started serving yet

    def __init__(self, slots: int = 64):
        self._cells = sharedctypes.RawArray("q", 2 * slots)  # pid, connections; per slot
        self.slots = slots

    def reserve(self, gone: Callable[[int], bool] = lambda slot: False) -> int | None:
        """In the master: a slot for the next worker (None: all taken; that worker is not balanced).

        `gone(slot)`: whether the worker a reserved slot was picked for is gone without serving.
        """
        for slot in range(self.slots):
            owner = self._cells[2 * slot]
            if owner == 0 or (owner > 0 and not _alive(owner)) or (owner == self.RESERVED and gone(slot)):
                self._cells[2 * slot], self._cells[2 * slot + 1] = self.RESERVED, 0
                return slot
        return None

    def open(self, slot: int, pid: int) -> None:
        self._cells[2 * slot + 1] = 0
        self._cells[2 * slot] = pid

    def release(self, slot: int) -> None:
        self._cells[2 * slot] = self._cells[2 * slot + 1] = 0

    def publish(self, slot: int, connections: int) -> None:
        self._cells[2 * slot + 1] = connections  # one aligned word: read whole by the others

    def fewest_elsewhere(self, slot: int) -> int | None:
        """The fewest connections another serving worker holds (None: no other worker)."""
        fewest = None
        for other in range(self.slots):
            pid = self._cells[2 * other]
            if other == slot or pid <= 0 or not _alive(pid):
                continue
            count = self._cells[2 * other + 1]
            fewest = count if fewest is None else min(fewest, count)
        return fewest


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_table = ConnectionTable()


class BalancedThreadWorker(ThreadWorker):
    """gthread, but a worker holding more connections than another leaves new ones to it (see above)."""

    MAX_DEFER = 0.05  # seconds a waiting connection is left to the other workers, at most
    table = _table

    _picked: dict[int, "BalancedThreadWorker"] = {}  # in the master: slot -> the worker it was picked for

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the master, one worker at a time (gunicorn sets `pid` on the object once it has forked).
        self._slot = self.table.reserve(gone=lambda slot: not _alive(getattr(self._picked.get(slot), "pid", 0)))
        if self._slot is not None:
            self._picked[self._slot] = self
        self._deferring_since: float | None = None

    def run(self):
        if self._slot is None:  # more workers than slots: accept as gthread does
            return super().run()
        self.table.open(self._slot, os.getpid())  # from now on it accepts
        try:
            return super().run()
        finally:
            self.table.release(self._slot)

    def notify(self):
        super().notify()  # once per turn of the worker's event loop
        if self._slot is not None:
            self.table.publish(self._slot, self.nr_conns)

    def accept(self, server, listener):
        if self._leave_to_others():
            time.sleep(0.001)  # the listener stays readable: let another worker take it
            return
        super().accept(server, listener)
        if self._slot is not None:
            self.table.publish(self._slot, self.nr_conns)

    def _leave_to_others(self) -> bool:
        """Whether to leave the waiting connection to a worker holding fewer: for `MAX_DEFER` at most,
        counted from the first time it was left (only accepting it, or no longer holding more than
        another, starts the count anew)."""
        fewest = None if self._slot is None else self.table.fewest_elsewhere(self._slot)
        if fewest is None or fewest >= self.nr_conns:
            self._deferring_since = None
            return False
        now = time.monotonic()
        if self._deferring_since is None:
            self._deferring_since = now
        if now - self._deferring_since < self.MAX_DEFER:
            return True
        self._deferring_since = None  # accepted now
        return False


class AccessLogger(glogging.Logger):
    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog or self.cfg.access_log_format != AccessLogFormat.default:
            super().access(resp, req, environ, request_time)  # a custom format or log configuration
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        get = environ.get
        # the user field stays "-": gunicorn would show an HTTP Basic user name, which this API never uses
        line = (f'{get("REMOTE_ADDR", "-")} - - {self.now()} "{get("REQUEST_METHOD", "-")} {get("RAW_URI", "-")} '
                f'{get("SERVER_PROTOCOL", "-")}" {status} {"-" if sent is None else sent} '
                f'"{get("HTTP_REFERER", "-")}" "{get("HTTP_USER_AGENT", "-")}"')
        try:
            if not self._write_plain(line):
                self.access_log.info(line)
        except Exception:  # noqa: BLE001 - as gunicorn does: a logging failure must not fail the request
            self.exception("access log")

    def _write_plain(self, line: str) -> bool:
        """Write the line straight to gunicorn's own stream or file handlers, as their "%(message)s" would.

        Skips building a LogRecord (the clock, the thread, the process, the caller...) per request.
        Any other set-up (a handler or filter of a logging configuration) goes through `logging`.
        """
        log = self.access_log
        handlers = log.handlers
        if log.filters or not handlers or not log.isEnabledFor(logging.INFO):
            return False
        for handler in handlers:
            if type(handler) not in _PLAIN_HANDLERS or handler.filters or handler.level > logging.INFO or \
                    getattr(handler.formatter, "_fmt", None) != "%(message)s" or handler.stream is None:
                return False
        for handler in handlers:
            with handler.lock:
                stream = handler.stream
                stream.write(line + handler.terminator)
                stream.flush()
        return True


_PLAIN_HANDLERS = (logging.StreamHandler, logging.FileHandler)
