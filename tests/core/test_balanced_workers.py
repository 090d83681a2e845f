"""`safepassage serve` spreads keep-alive connections evenly over its workers (serving.BalancedThreadWorker)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safepassage.serving import BalancedThreadWorker, ConnectionTable


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_table_counts_per_worker_and_reuses_the_slots_of_workers_gone():
    table = ConnectionTable(slots=3)
    mine, parent = table.reserve(), table.reserve()
    assert table.fewest_elsewhere(mine) is None  # reserved, not serving yet: not counted
    table.open(mine, os.getpid())
    table.open(parent, os.getppid())
    assert mine != parent and table.fewest_elsewhere(mine) == 0
    table.publish(parent, 5)
    assert table.fewest_elsewhere(mine) == 5 and table.fewest_elsewhere(parent) == 0
    dead = table.reserve()
    table.open(dead, a_dead_pid())
    assert table.fewest_elsewhere(mine) == 5  # a dead worker's slot does not count...
    assert table.reserve() == dead  # ...and the master gives it to the next worker
    assert table.reserve() is None  # all taken: that worker accepts without balancing
    assert table.reserve(gone=lambda slot: slot == dead) == dead  # its worker died before serving
    table.release(parent)
    assert table.fewest_elsewhere(mine) is None


class FakeWorker(BalancedThreadWorker):
    def __init__(self, table: ConnectionTable, slot: int, connections: int):  # no gunicorn set-up
        self.table, self._slot, self.nr_conns = table, slot, connections
        self._deferring_since = None


@pytest.mark.parametrize("spacing", [0.001, 0.02])
def test_a_worker_with_more_connections_leaves_a_new_one_to_the_others_for_a_while(spacing):
    table = ConnectionTable(slots=2)
    mine, other = table.reserve(), table.reserve()
    table.open(mine, os.getpid())
    table.open(other, os.getppid())
    busy = FakeWorker(table, mine, connections=3)
    table.publish(other, 3)
    assert not busy._leave_to_others()  # as many as the other: accept
    table.publish(other, 2)
    assert busy._leave_to_others()  # the other has fewer: leave it to the other
    started = time.monotonic()
    while busy._leave_to_others():  # ... but not forever (the other may be stuck or starting),
        time.sleep(spacing)  # however seldom the worker's loop comes round
        assert time.monotonic() - started < 1
    assert time.monotonic() - started < BalancedThreadWorker.MAX_DEFER + spacing + 0.05
    assert busy._leave_to_others()  # accepted: the next connection is left to the other again


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def established_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # local port, ESTABLISHED
                inodes.add(fields[9])
    return inodes


def connections_of(pid: int, inodes: set[str]) -> int:
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held += 1
    return held


def listening_inode(port: int) -> int | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # local port, LISTEN
                return int(fields[9])
    return None


def polls_listener(pid: int, inode: int | None) -> bool:
    """Whether the worker watches the listening socket (gthread registers it as its loop starts, after
    loading the application and after `BalancedThreadWorker.run` opened its slot)."""
    if inode is None:
        return False
    watched = re.compile(rf"\bino:{inode:x}\b")  # the watched file's inode, in hex
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the worker is gone (restarted): not polling
        return False
    for fd in fds:
        try:
            if os.readlink(fd) == "anon_inode:[eventpoll]" and watched.search(
                    Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()):
                return True
        except OSError:
            continue
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("rounds", [3])
def test_sixteen_devices_connecting_at_once_are_spread_over_the_workers(tmp_path, rounds):
    port = free_port()
    env = {**os.environ, "SAFEPASSAGE_DATA_DIR": str(tmp_path), "SAFEPASSAGE_DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "safepassage.settings"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen([str(Path(sys.executable).with_name("safepassage")), "serve", "--port", str(port),
                               "--workers", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        # Every worker up and polling (one may load the application for seconds after the other answers).
        while (len(pids := worker_pids(server.pid)) < 2 or not _answers(port)
               or not all(polls_listener(pid, inode) for inode in [listening_inode(port)] for pid in pids)):
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.1)
        for _ in range(rounds):  # each round: sixteen connections at once, kept open
            sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
            for s in sockets:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for s in sockets:
                assert s.recv(1024).startswith(b"HTTP/1.1 200")
            inodes = established_inodes(port)
            held = sorted(connections_of(pid, inodes) for pid in worker_pids(server.pid))
            for s in sockets:
                s.close()
            assert sum(held) == 16 and held[-1] - held[0] <= 2, held
            time.sleep(0.3)  # the workers notice the closed connections
    finally:
        server.terminate()
        server.wait(30)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
