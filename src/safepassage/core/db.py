"""A write turn for SQLite: writers of counts wait on a lock file before BEGIN."""

import fcntl
from contextlib import contextmanager
from pathlib import Path

from django.db import connections


@contextmanager
def sqlite_write_turn(using: str = "default"):
    """Hold the database's write turn for the block (SQLite only; PostgreSQL needs none)."""
    conn = connections[using]
    name = str(conn.settings_dict.get("NAME") or "")
    if conn.vendor != "sqlite" or conn.in_atomic_block or name.startswith("file:") or name in ("", ":memory:"):
        yield
        return
    # SQLite's busy handler sleeps inside the C call while holding its connection's mutex: a thread that
    # meanwhile holds the write lock and, in the garbage collector, finalises a cursor of that connection
    # waits for that mutex until the busy timeout (20 s). Writers waiting here hold nothing of SQLite.
    with open(Path(name + ".write-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
