"""`safepassage.serving.ConnectionWorker` under a real gunicorn: keep-alive, concurrency, limits, stops."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve():
    started = []

    def start(*options: str) -> int:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--worker-class", "safepassage.serving.ConnectionWorker", *options, "tests.core.probe_app:application"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        started.append(proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return port
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.05)
        raise AssertionError("gunicorn did not start")

    start.procs = started
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def get(conn: http.client.HTTPConnection, path: str = "/", body: bytes | None = None):
    conn.request("POST" if body is not None else "GET", path, body=body)
    response = conn.getresponse()
    return response.status, response.read().decode(), response.getheader("Connection")


def test_a_connection_carries_many_requests(serve):
    port = serve()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    answers = [get(conn, "/", b"x" * n) for n in (0, 10, 100_000)]
    assert [a[0] for a in answers] == [200, 200, 200]
    assert len({a[1].split()[0] for a in answers}) == 1  # the same client port: one connection
    assert [a[1].split()[1] for a in answers] == ["0", "10", "100000"]


def test_connections_are_served_at_once_each_on_its_thread(serve):
    port = serve()
    answers: list[int] = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        answers.append(get(conn, "/sleep?s=0.5")[0])

    threads = [threading.Thread(target=client) for _ in range(16)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 16
    assert time.monotonic() - start < 4  # one after another would take 8 s


def test_an_idle_connection_is_closed_after_keepalive(serve):
    port = serve("--keep-alive", "1")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    assert get(conn)[0] == 200
    start = time.monotonic()
    assert conn.sock.recv(1) == b""  # closed by the server
    assert 0.5 < time.monotonic() - start < 3


def test_beyond_worker_connections_a_client_waits_for_a_free_one(serve):
    port = serve("--worker-connections", "2", "--keep-alive", "1")
    first, second = (http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(2))
    get(first)
    get(second)
    third = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start = time.monotonic()
    assert get(third)[0] == 200  # once the keep-alive of the first two ran out
    assert time.monotonic() - start > 0.5


def test_errors_answer_500_and_400_and_the_worker_goes_on(serve):
    port = serve()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    assert get(conn, "/fail")[0] == 500
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"NOT HTTP\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    assert get(http.client.HTTPConnection("127.0.0.1", port, timeout=5))[0] == 200


def test_a_graceful_stop_finishes_requests_in_progress_and_closes_idle_connections(serve):
    port = serve("--keep-alive", "30", "--graceful-timeout", "10")
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    get(idle)
    busy = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    outcome = {}
    slow = threading.Thread(target=lambda: outcome.update(answer=get(busy, "/sleep?s=1.5")))
    slow.start()
    time.sleep(0.5)
    [proc] = serve.procs
    proc.send_signal(signal.SIGTERM)
    slow.join()
    assert outcome["answer"][0] == 200 and outcome["answer"][2] == "close"
    assert idle.sock.recv(1) == b""  # the idle connection was closed, not left to its 30 s keep-alive
    assert proc.wait(10) == 0
