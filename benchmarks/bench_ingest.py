"""Crossing-count ingest through the real server, on SQLite and PostgreSQL (issue #15's goals).

The server is `safepassage serve` as deployed (gunicorn's gthread worker, 2 workers x 8 threads) on a
fresh SQLite file and on a fresh PostgreSQL database (bench_safepassage_<pid>); both are removed at the
end whatever fails. Every count is audited in the transaction that stores it; after each phase the
script checks one `crossing_count.submitted` entry per stored count and runs `safepassage audit verify`.

1. Steady single submissions: 16 clients offer POST /api/crossings/counts at 200/s in all for 30 s,
   open loop (request j is due at start + j / 200; its latency counts from that due time). Met when
   every one is answered 201 and stored once, and p99 <= 100 ms. A closed-loop run of single
   submissions (each client sends its next when answered) gives the server's capacity.
2. Outbox flush after a network cut: 50 clients at once, each with 400 queued counts (20,000 distinct),
   send them through POST /api/crossings/counts/batch in batches of 50, with 30 % of the counts sent a
   second time in a later batch (a retry after a lost answer): 26,000 submissions; a batch answered
   with a server error is sent again. Met when every count is stored exactly once with one audit entry,
   the chain verifies, and all are answered within 30 s.
3. Replay with kill -9: 20,000 distinct counts plus 30 % duplicates in random order, 16 clients in
   batches of 50 (and a smaller run of single submissions); the server (master and workers) is killed
   with SIGKILL once 40 % are acknowledged and restarted; clients retry what was not acknowledged. Met
   when every acknowledged count is stored exactly once, all are stored, totals (SQL and the summary
   API) equal the ground truth, one audit entry per count and the chain verifies.
4. Peers in the same run: the same rows inserted through the raw driver (sqlite3 / psycopg) by 16
   threads, one commit per row (phase 1's rows) and per batch of 50 (phase 2's rows).

    .venv/bin/python benchmarks/bench_ingest.py [--quick] [--db sqlite|postgres|both] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SP = str(VENV_BIN / "safepassage")
PG = "postgresql://postgres@127.0.0.1:5432"
GROUPS = ("women", "men", "children", "older_people", "wounded")
DAYS = {name: datetime(2016, 10, 17 + i, tzinfo=UTC)
        for i, name in enumerate(("warm", "steady", "capacity", "flush", "replay", "replay_single"))}
SLOW_MS = 100
CHECKPOINTS = 50  # a city-wide operation (issue #15): one device per checkpoint


# --- server-side setup (run in a subprocess with the server's environment) ---------------------------

def setup_objects() -> None:
    """Create an admin with an API token and an open corridor with 50 checkpoints; print them as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    import django

    django.setup()
    from datetime import time as dtime

    from safepassage.accounts import services as accounts
    from safepassage.core.permissions import Role
    from safepassage.core.principal import Principal
    from safepassage.corridors import services as corridors

    system = Principal(user=None, role=Role.ADMIN, via="benchmark")
    user = accounts.create_user(username="bench", role=Role.ADMIN, password=None, by=system)
    token = accounts.issue_token(user=user, by=system)
    since = datetime(2016, 1, 1, tzinfo=UTC)
    corridor = corridors.create_corridor(
        name="Bench road", direction="both", eligible_groups=["civilians", "wounded_sick"], opens_at=dtime(0, 0),
        closes_at=dtime(23, 59), timezone="UTC", by=system, at=since,
        geometry={"type": "LineString", "coordinates": [[37.19, 36.23], [37.17, 36.25]]})
    corridors.set_corridor_status(corridor_id=corridor.pk, status="open", reason="bench", by=system, at=since)
    checkpoints = [corridors.add_checkpoint(corridor=corridor, name=f"Bench CP {i}", lon=37.17, lat=36.25,
                                            by=system).pk for i in range(CHECKPOINTS)]
    print(json.dumps({"token": token, "checkpoints": checkpoints}))


# --- a database to serve from -------------------------------------------------------------------------

class Database:
    def __init__(self, kind: str, tmp: str):
        self.kind, self.tmp = kind, tmp
        # this checkout's code, whatever the shared virtual environment points to
        path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
        self.env = {**os.environ, "PYTHONPATH": path, "SAFEPASSAGE_DATA_DIR": tmp, "SAFEPASSAGE_DEBUG": "0",
                    "SAFEPASSAGE_SECRET_KEY": "bench-only", "DJANGO_SETTINGS_MODULE": "safepassage.settings"}
        self.env.pop("SAFEPASSAGE_SQLITE", None)
        self.env.pop("DATABASE_URL", None)
        self.name = f"bench_safepassage_{os.getpid()}"
        self.path = str(Path(tmp) / "safepassage.sqlite3")
        self.created = False
        self.objects: dict = {}

    def create(self) -> None:
        if self.kind == "postgres":
            self.admin(f"DROP DATABASE IF EXISTS {self.name}")
            self.admin(f"CREATE DATABASE {self.name}")
            self.created = True
            self.env["DATABASE_URL"] = f"{PG}/{self.name}"
        subprocess.run([SP, "migrate", "-v0"], env=self.env, check=True)
        out = subprocess.run([sys.executable, __file__, "--setup"], env=self.env, check=True, capture_output=True,
                             text=True).stdout
        self.objects = json.loads(out.strip().splitlines()[-1])

    @staticmethod
    def admin(sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def connect(self):
        if self.kind == "postgres":
            import psycopg

            return psycopg.connect(self.env["DATABASE_URL"], autocommit=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def query(self, sql: str, params=()) -> list[tuple]:
        if self.kind == "sqlite":
            sql = sql.replace("%s", "?")
        conn = self.connect()
        try:
            cur = conn.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def drop(self) -> None:
        if self.kind == "postgres" and self.created:
            self.admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            self.created = False


class Server:
    def __init__(self, db: Database, workers: int, threads: int = 8):
        self.db, self.workers, self.threads = db, workers, threads
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = Path(db.tmp) / "server.log"

    def start(self) -> None:
        with open(self.log, "ab") as log:  # the access log goes to stdout, errors to stderr
            self.proc = subprocess.Popen([SP, "serve", "--port", str(self.port), "--workers", str(self.workers),
                                          "--threads", str(self.threads)],
                                         env=self.db.env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    time.sleep(0.3)  # let every worker boot
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.log}")

    def pids(self) -> list[int]:
        """The master (the process we started) and its workers (its children)."""
        master = self.proc.pid
        children = []
        for task in Path(f"/proc/{master}/task").glob("*/children"):
            children += [int(p) for p in task.read_text().split()]
        return [master, *children]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its workers."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def kill9(self) -> list[int]:
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        for pid in pids[1:]:  # workers are reparented; wait until they are gone
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists() or "Z" in _state(pid):
                    break
                time.sleep(0.02)
        return pids

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log_count(self, text: str) -> int:
        """How many lines of the server's error log contain `text`."""
        try:
            return sum(text in line for line in self.log.read_text(errors="replace").splitlines())
        except OSError:
            return 0


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BusyTrace:
    """SQLite's busy handler sleeping in the server's workers, recorded with `perf trace`.

    SQLite waits for the write lock in usleep(), a clock_nanosleep() without a clock or flags argument;
    Python's time.sleep() passes both, so the two are told apart. Consecutive sleeps of one thread are
    one wait for the lock.
    """

    LINE = re.compile(r"^\s*([\d.]+) \(\s*([\d.]+) ms\): .*?/(\d+) clock_nanosleep\(rqtp")

    def __init__(self, server: Server):
        self.path = Path(server.db.tmp) / "perf-trace.txt"
        self.pids = server.pids()[1:]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> BusyTrace:
        if shutil.which("perf"):
            self.proc = subprocess.Popen(["perf", "trace", "-e", "clock_nanosleep,nanosleep", "-o", str(self.path),
                                          "-p", ",".join(map(str, self.pids))],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.5)  # attached
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def waits(self) -> dict:
        """Busy-handler sleeps and the lock waits they make up (ms)."""
        per_thread: dict[str, list[tuple[float, float]]] = {}
        try:
            lines = self.path.read_text(errors="replace").splitlines()
        except OSError:
            return {"traced": False}
        for line in lines:
            m = self.LINE.match(line)
            if m:
                per_thread.setdefault(m[3], []).append((float(m[1]), float(m[2])))
        sleeps = [d for events in per_thread.values() for _, d in events]
        waits = []
        for events in per_thread.values():
            events.sort()
            start, end = events[0][0], events[0][0] + events[0][1]
            for t, d in events[1:]:
                if t - end > 10:  # a new wait
                    waits.append(end - start)
                    start = t
                end = t + d
            waits.append(end - start)
        return {"traced": True, "sleeps": len(sleeps), "sleep_ms": sum(sleeps), "waits": len(waits),
                "over_50": sum(w > 50 for w in waits), "over_100": sum(w > SLOW_MS for w in waits),
                "longest": max(waits, default=0.0)}


# --- clients -----------------------------------------------------------------------------------------

class Client:
    """One device: a keep-alive HTTP connection with a bearer token."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            r = self.conn.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise

    def submit(self, chunk: list[dict], *, batch: bool) -> tuple[int, dict]:
        """POST one count (single route) or a batch; (status, parsed answer or {"error": ...})."""
        try:
            if batch:
                status, body = self.request("POST", "/api/crossings/counts/batch", {"items": chunk})
            else:
                status, body = self.request("POST", "/api/crossings/counts", chunk[0])
        except (OSError, http.client.HTTPException) as exc:
            return 0, {"error": repr(exc)}
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {"error": body[:200].decode(errors="replace")}


def make_items(n: int, checkpoints: list[int], day: datetime, seed: int) -> list[dict]:
    """`n` counts of one day, in one block per checkpoint (one device each), each in a period of its own."""
    rnd = random.Random(seed)
    out = []
    per = -(-n // len(checkpoints))
    for i in range(n):
        k = i % per  # the device's k-th count: 5-minute buckets out of the city, then into it
        counts = {g: rnd.randint(0, 30) for g in GROUPS}
        out.append({"client_uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                    "checkpoint_id": checkpoints[i // per], "direction": ("out", "in")[k // 288 % 2],
                    "bucket_start": (day + timedelta(minutes=5 * (k % 288))).isoformat(), "bucket_minutes": 5,
                    **counts})
    return out


def pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def summary(latencies: list[float]) -> dict:
    return {"p50": pct(latencies, 50), "p95": pct(latencies, 95), "p99": pct(latencies, 99),
            "max": max(latencies, default=float("nan"))}


# --- phase 1: single submissions -----------------------------------------------------------------------

def singles(port: int, token: str, items: list[dict], *, clients: int, rate: float | None = None) -> dict:
    """Send `items` one per request with `clients` concurrent clients.

    With `rate` (submissions/s), request j is due at start + j / rate (open loop): the next free client
    takes it, waits for its due time, and its latency counts from that due time, so that a server falling
    behind shows up in the latency rather than slowing the clients down. Without `rate`, each client
    sends its next request as soon as the previous one is answered (the server's capacity).
    """
    work: queue.SimpleQueue = queue.SimpleQueue()
    for j, it in enumerate(items):
        work.put((j, it))
    samples: list[tuple[float, float]] = []  # (due, seconds from the start; latency, ms)
    errors: list[str] = []
    ends: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        client = Client(port, token)
        mine, bad, end = [], [], t0
        while True:
            try:
                j, it = work.get_nowait()
            except queue.Empty:
                break
            t = time.perf_counter()
            if rate is not None:
                due = t0 + j / rate
                if due > t:
                    time.sleep(due - t)
                t = due
            status, answer = client.submit([it], batch=False)
            end = time.perf_counter()
            mine.append((t - t0, (end - t) * 1000))
            if status != 201:
                bad.append(f"{status} {str(answer)[:200]}")
        with lock:
            samples.extend(mine)
            errors.extend(bad)
            ends.append(end)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter() + 0.05
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(ends) - t0
    latencies = [lat for _, lat in samples]
    slow = sorted(due for due, lat in samples if lat > SLOW_MS)
    return {"n": len(items), "seconds": elapsed, "rate": len(items) / elapsed, **summary(latencies),
            "errors": errors, "target": rate, "slow": slow}


# --- phase 2: outbox flush -----------------------------------------------------------------------------

def outboxes(items: list[dict], *, clients: int, batch: int, resend: float, seed: int) -> list[list[list[dict]]]:
    """Each client's requests: its share of `items` in order, plus `resend` of them sent again later.

    A resent count goes at least one whole batch after its first sending, so it is a resubmission of a
    count already answered (as after a lost answer), never a duplicate inside one batch.
    """
    per = len(items) // clients
    n_resend = round(per * resend)
    assert n_resend <= per - batch, "too many resubmissions for the outbox"
    rnd = random.Random(seed)
    out = []
    for c in range(clients):
        mine = items[c * per:(c + 1) * per]
        keyed = [(float(i), it) for i, it in enumerate(mine)]
        keyed += [(rnd.uniform(j + batch + 0.5, per), mine[j]) for j in rnd.sample(range(per - batch), n_resend)]
        keyed.sort(key=lambda k: k[0])
        sequence = [it for _, it in keyed]
        out.append([sequence[i:i + batch] for i in range(0, len(sequence), batch)])
    return out


def flush(port: int, token: str, outbox: list[list[list[dict]]]) -> dict:
    """Every client sends its batches back to back, all clients starting at once.

    A batch answered with a server error (or not answered) is sent again, up to 5 times, as a device
    would; the latencies are per request, retries included.
    """
    latencies: list[float] = []
    answered = {"stored": 0, "duplicates": 0, "refused": 0}
    errors: list[str] = []
    ends: list[float] = []
    lock = threading.Lock()
    go = threading.Event()

    def run(requests: list[list[dict]]) -> None:
        client = Client(port, token)
        mine, bad, got = [], [], dict.fromkeys(answered, 0)
        got["retries"] = 0
        go.wait()
        end = t0
        for chunk in requests:
            for _attempt in range(5):  # a device resends a batch that was not acknowledged
                t = time.perf_counter()
                status, answer = client.submit(chunk, batch=True)
                end = time.perf_counter()
                mine.append((end - t) * 1000)
                if status == 200 or 0 < status < 500:
                    break
                got["retries"] += 1
            if status != 200:
                bad.append(f"{status} {str(answer)[:200]}")
                continue
            for k in ("stored", "duplicates", "refused"):
                got[k] += answer[k]
        with lock:
            latencies.extend(mine)
            errors.extend(bad)
            ends.append(end)
            for k in got:
                answered[k] = answered.get(k, 0) + got[k]

    threads = [threading.Thread(target=run, args=(requests,)) for requests in outbox]
    for t in threads:
        t.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    elapsed = max(ends) - t0
    sent = sum(len(chunk) for requests in outbox for chunk in requests)
    return {"sent": sent, "requests": len(latencies), "seconds": elapsed, **answered, **summary(latencies),
            "errors": errors, "latencies": latencies}


# --- peer: the raw driver ---------------------------------------------------------------------------------

def peer_inserts(db: Database, items: list[dict], *, batch: int, clients: int) -> dict:
    """The same rows into a copy of the crossing table through the raw driver, one commit per chunk."""
    cols = ["client_uuid", "version", "is_current", "checkpoint_id", "corridor_id", "direction", "bucket_start",
            "bucket_minutes", "women", "men", "children", "older_people", "persons_with_disabilities", "wounded",
            "sick", "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over",
            "total_persons", "flags", "review_status", "review_note", "note", "source", "received_at"]
    corridor_id = db.query("SELECT corridor_id FROM corridors_checkpoint WHERE id = %s",
                           (db.objects["checkpoints"][0],))[0][0]
    table = f"peer_{batch}_{os.getpid()}"
    conn = db.connect()
    if db.kind == "postgres":
        conn.execute(f"CREATE TABLE {table} (LIKE crossings_crossingcount INCLUDING ALL)")
    else:  # the same table, constraints and indexes under other names
        for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'crossings_crossingcount' "
                                   "AND sql IS NOT NULL ORDER BY type DESC").fetchall():
            sql = sql.replace('"crossings_crossingcount"', f'"{table}"')
            conn.execute(sql.replace('INDEX "', f'INDEX "{table}_'))
    conn.close()
    now = datetime.now(UTC).isoformat()

    def row(it: dict) -> tuple:
        counts = {g: it[g] for g in GROUPS}
        key = uuid.UUID(it["client_uuid"])
        return (key if db.kind == "postgres" else key.hex, 1, True, it["checkpoint_id"], corridor_id, it["direction"],
                it["bucket_start"], 5, counts["women"], counts["men"], counts["children"], counts["older_people"],
                0, counts["wounded"], 0, 0, 0, 0, sum(counts.values()), "[]", "not_needed", "", "", "api", now)

    ph = ", ".join(["%s" if db.kind == "postgres" else "?"] * len(cols))
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({ph})"
    chunks = [[row(it) for it in items[i:i + batch]] for i in range(0, len(items), batch)]
    work: queue.SimpleQueue = queue.SimpleQueue()
    for c in chunks:
        work.put(c)
    latencies: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        conn = db.connect()
        mine = []
        while True:
            try:
                chunk = work.get_nowait()
            except queue.Empty:
                break
            t = time.perf_counter()
            if db.kind == "postgres":
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(sql, chunk)
            else:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(sql, chunk)
                conn.execute("COMMIT")
            mine.append((time.perf_counter() - t) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    stored = db.query(f"SELECT count(*) FROM {table}")[0][0]
    assert stored == len(items), (stored, len(items))
    db.query(f"DROP TABLE {table}")
    return {"n": len(items), "seconds": elapsed, "rate": len(items) / elapsed, "p50": pct(latencies, 50),
            "p99": pct(latencies, 99)}


# --- checks --------------------------------------------------------------------------------------------

def day_rows(db: Database, day: datetime) -> tuple[int, int, int]:
    """(rows, distinct client UUIDs, sum of total_persons) of the counts of one day."""
    since, until = day.isoformat(), (day + timedelta(days=1)).isoformat()
    if db.kind == "sqlite":  # Django stores "YYYY-MM-DD HH:MM:SS" in UTC
        since, until = since.replace("T", " ").replace("+00:00", ""), until.replace("T", " ").replace("+00:00", "")
    return db.query("SELECT count(*), count(DISTINCT client_uuid), coalesce(sum(total_persons), 0) FROM "
                    "crossings_crossingcount WHERE bucket_start >= %s AND bucket_start < %s", (since, until))[0]


def audit_check(db: Database) -> dict:
    """One `crossing_count.submitted` entry per stored count, and `safepassage audit verify`."""
    rows = db.query("SELECT count(*) FROM crossings_crossingcount")[0][0]
    entries, distinct = db.query("SELECT count(*), count(DISTINCT object_id) FROM audit_auditentry "
                                 "WHERE action = 'crossing_count.submitted'")[0]
    verify = subprocess.run([SP, "audit", "verify"], env=db.env, capture_output=True, text=True)
    text = (verify.stdout.strip() or verify.stderr.strip()).splitlines()
    return {"rows": rows, "entries": entries, "verify": text[-1] if text else "",
            "ok": rows == entries == distinct and verify.returncode == 0}


def audit_line(a: dict) -> str:
    return f"audit: {a['rows']:,} counts, {a['entries']:,} 'submitted' entries; {a['verify']} {ok(a['ok'])}"


def ok(flag: bool) -> str:
    return "OK" if flag else "FAILED"


# --- phase 3: replay with kill -9 ------------------------------------------------------------------------

def replay(db: Database, server: Server, *, unique: int, clients: int, kill_fraction: float, batch: int,
           day: datetime, seed: int) -> dict:
    token, cp = db.objects["token"], db.objects["checkpoints"]
    rnd = random.Random(seed)
    items = make_items(unique, cp, day, seed=seed)
    stream = items + rnd.sample(items, int(unique * 0.3))
    rnd.shuffle(stream)
    work: queue.SimpleQueue = queue.SimpleQueue()
    for it in stream:
        work.put(it)
    acked: dict[str, int] = {}
    failures: list[str] = []
    retries = [0]
    lock = threading.Lock()

    def run() -> None:
        client = Client(server.port, token)
        while True:
            chunk = []
            while len(chunk) < batch:
                try:
                    chunk.append(work.get_nowait())
                except queue.Empty:
                    break
            if not chunk:
                return
            while True:
                status, answer = client.submit(chunk, batch=batch > 1)
                if status == 200 and batch > 1 and answer["refused"]:
                    status = 422
                if status in (200, 201):
                    with lock:
                        for it in chunk:
                            acked[it["client_uuid"]] = acked.get(it["client_uuid"], 0) + 1
                    break
                if status == 0 or status >= 500:  # not acknowledged: retry (after the restart)
                    with lock:
                        retries[0] += 1
                    time.sleep(0.05)
                    continue
                with lock:
                    failures.append(f"{status} {str(answer)[:200]}")
                break

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    kill_at = int(len(stream) * kill_fraction)
    while len(acked) < kill_at and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    acked_before = dict(acked)
    killed = server.kill9()
    stored_at_kill = db.query("SELECT count(*) FROM crossings_crossingcount WHERE client_uuid IS NOT NULL")[0][0]
    t_kill = time.perf_counter()
    server.start()
    restart_s = time.perf_counter() - t_kill
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    # every acknowledged submission is stored exactly once
    key = (lambda u: u.replace("-", "")) if db.kind == "sqlite" else (lambda u: u)
    counts_by_key: dict[str, int] = {}
    for (k,) in db.query("SELECT client_uuid FROM crossings_crossingcount"):
        k = str(k).replace("-", "") if db.kind == "sqlite" else str(k)
        counts_by_key[k] = counts_by_key.get(k, 0) + 1
    lost = [u for u in acked_before if counts_by_key.get(key(u), 0) != 1]
    truth = {g: sum(it[g] for it in items) for g in GROUPS}
    rows, distinct, total = day_rows(db, day)
    status, answer = Client(server.port, token).request("GET", f"/api/crossings/summary?day={day:%Y-%m-%d}&tz=UTC")
    overall = json.loads(answer)["overall"] if status == 200 else {}
    r = {"sent": len(stream), "unique": unique, "batch": batch, "duplicates": len(stream) - unique,
         "clients": clients, "acked_at_kill": len(acked_before), "stored_at_kill": stored_at_kill,
         "killed_pids": len(killed), "restart_s": restart_s, "retries": retries[0], "failures": failures,
         "seconds": elapsed, "lost_acked": len(lost), "rows": rows, "distinct": distinct,
         "all_stored_once": rows == distinct == unique and all(counts_by_key.get(key(it["client_uuid"])) == 1
                                                               for it in items),
         "total_sql": total, "truth_total": sum(truth.values()), "api_total": overall.get("total_persons"),
         "groups_equal": {g: overall.get(g) for g in GROUPS} == truth, "audit": audit_check(db)}
    r["totals_ok"] = r["total_sql"] == r["truth_total"] == r["api_total"] and r["groups_equal"]
    r["met"] = (not lost and r["all_stored_once"] and r["totals_ok"] and r["audit"]["ok"] and not failures)
    return r


def print_replay(rp: dict) -> None:
    how = "single submissions" if rp["batch"] == 1 else f"batches of {rp['batch']}"
    print(f"replay, {how}: {rp['sent']:,} sent ({rp['unique']:,} distinct + {rp['duplicates']:,} duplicates, "
          f"random order), {rp['clients']} clients, {rp['seconds']:.1f} s")
    print(f"  kill -9 of {rp['killed_pids']} processes (master + workers) after {rp['acked_at_kill']:,} "
          f"acknowledgements ({rp['stored_at_kill']:,} rows in the database at that moment); restarted in "
          f"{rp['restart_s']:.1f} s; {rp['retries']:,} client retries; failures {len(rp['failures'])}")
    print(f"  acknowledged before the kill and stored exactly once: {rp['acked_at_kill'] - rp['lost_acked']:,}"
          f"/{rp['acked_at_kill']:,} {ok(not rp['lost_acked'])}")
    print(f"  after the retries: {rp['rows']:,} rows, {rp['distinct']:,} distinct, of {rp['unique']:,} "
          f"{ok(rp['all_stored_once'])}")
    print(f"  totals: SQL {rp['total_sql']:,}, summary API {rp['api_total']}, ground truth {rp['truth_total']:,}; "
          f"per group equal: {rp['groups_equal']} {ok(rp['totals_ok'])}")
    print(f"  {audit_line(rp['audit'])}", flush=True)


# --- main -----------------------------------------------------------------------------------------------

def loadavg() -> str:
    """The load average, and the machine's speed right now (this shared machine's varies up to 2x)."""
    start = time.process_time()
    total = 0
    for i in range(3_000_000):  # a fixed pure-Python loop: ~160 ms on this machine at full speed
        total += i
    probe = (time.process_time() - start) * 1000
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) + f"; speed probe {probe:.0f} ms"


def lat(r: dict) -> str:
    return f"p50 {r['p50']:.1f} / p95 {r['p95']:.1f} / p99 {r['p99']:.1f} / max {r['max']:.1f} ms"


def slow_seconds(slow: list[float]) -> str:
    """Where the requests over SLOW_MS fell: count per second of the run."""
    per: dict[int, int] = {}
    for due in slow:
        per[int(due)] = per.get(int(due), 0) + 1
    if len(per) > 10:
        return f"in {len(per)} of the run's seconds"
    return ", ".join(f"second {s}: {n}" for s, n in sorted(per.items())) or "none"


def bench(kind: str, args) -> dict:
    out: dict = {"db": kind}
    driver = "psycopg" if kind == "postgres" else "sqlite3"
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        db = Database(kind, tmp)
        server = Server(db, args.workers, args.threads)
        try:
            db.create()
            server.start()
            token, cp = db.objects["token"], db.objects["checkpoints"]
            singles(server.port, token, make_items(64, cp, DAYS["warm"], seed=9), clients=args.clients)
            print(f"\n== {kind}: safepassage serve, {args.workers} workers x {args.threads} threads (gthread) "
                  f"(load average {loadavg()})", flush=True)

            # 1. steady single submissions, open loop
            if "steady" in args.phases:
                steady_items = make_items(int(args.rate * args.seconds), cp, DAYS["steady"], seed=1)
                cpu = server.cpu_seconds()
                if args.trace_waits:
                    with BusyTrace(server) as trace:
                        out["steady"] = r = singles(server.port, token, steady_items, clients=args.clients,
                                                    rate=args.rate)
                    r["busy"] = trace.waits()
                else:
                    out["steady"] = r = singles(server.port, token, steady_items, clients=args.clients,
                                                rate=args.rate)
                r["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / len(steady_items)
                r["cpus"] = r["cpu_ms"] * len(steady_items) / 1000 / r["seconds"]
                rows = day_rows(db, DAYS["steady"])
                r["stored_once"] = rows[0] == rows[1] == len(steady_items)
                r["met"] = not r["errors"] and r["stored_once"] and r["p99"] <= 100
                print(f"1. steady single submissions: {len(steady_items):,} offered at {args.rate:.0f}/s by "
                      f"{args.clients} clients over {args.seconds:g} s (latency from each due time)")
                print(f"  answered at {r['rate']:.1f}/s; {lat(r)}; errors {len(r['errors'])}; stored once "
                      f"{ok(r['stored_once'])}")
                print(f"  requests over {SLOW_MS} ms: {len(r['slow'])} ({slow_seconds(r['slow'])}); "
                      f"'database is locked' in the server's log: {server.log_count('database is locked')}; "
                      f"server CPU {r['cpu_ms']:.1f} ms per submission ({r['cpu_ms'] * args.rate / 1000:.2f} CPUs "
                      f"needed at {args.rate:.0f}/s; it got {r['cpus']:.2f} CPUs on average)", flush=True)
                if r.get("busy", {}).get("traced"):
                    b = r["busy"]
                    print(f"  SQLite busy handler (perf trace): {b['sleeps']:,} sleeps, {b['sleep_ms']:,.0f} ms in all; "
                          f"{b['waits']:,} waits for the write lock, {b['over_50']} over 50 ms, {b['over_100']} over "
                          f"{SLOW_MS} ms, longest {b['longest']:.0f} ms", flush=True)
                out["capacity"] = c = singles(server.port, token, make_items(args.capacity, cp, DAYS["capacity"], seed=2),
                                              clients=args.clients)
                rows = day_rows(db, DAYS["capacity"])
                c["stored_once"] = rows[0] == rows[1] == args.capacity
                print(f"  capacity (closed loop, {args.capacity:,} single submissions): {c['rate']:.0f}/s; {lat(c)}; "
                      f"errors {len(c['errors'])}; stored once {ok(c['stored_once'])}")
                out["audit1"] = a = audit_check(db)
                print(f"  {audit_line(a)}", flush=True)

            # 2. outbox flush after a network cut
            if "flush" in args.phases:
                flush_items = make_items(args.flush_clients * args.flush_per_client, cp, DAYS["flush"], seed=3)
                outbox = outboxes(flush_items, clients=args.flush_clients, batch=args.flush_batch, resend=0.3, seed=4)
                cpu = server.cpu_seconds()
                out["flush"] = f = flush(server.port, token, outbox)
                f["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000
                f["cpus"] = f["cpu_ms"] / 1000 / f["seconds"]
                unique = len(flush_items)
                rows = day_rows(db, DAYS["flush"])
                f["audit"] = audit_check(db)
                f["answers_ok"] = (not f["errors"] and f["stored"] == unique and f["duplicates"] == f["sent"] - unique
                                   and not f["refused"])
                f["stored_once"] = rows[0] == rows[1] == unique
                f["met"] = f["answers_ok"] and f["stored_once"] and f["audit"]["ok"] and f["seconds"] <= 30
                print(f"2. outbox flush: {args.flush_clients} clients at once, {f['sent']:,} submissions ({unique:,} "
                      f"distinct + {f['sent'] - unique:,} resubmissions, {f['sent'] / unique - 1:.0%}) in "
                      f"{f['requests']} batches of up to {args.flush_batch}")
                print(f"  all answered in {f['seconds']:.2f} s: {unique / f['seconds']:,.0f} counts/s "
                      f"({f['sent'] / f['seconds']:,.0f} submissions/s); per request {lat(f)}; server CPU "
                      f"{f['cpu_ms'] / unique:.2f} ms per count (it got {f['cpus']:.2f} CPUs on average)")
                print(f"  answers: {f['stored']:,} stored, {f['duplicates']:,} duplicates, {f['refused']} refused, "
                      f"{f['retries']} batches resent after a server error, errors {len(f['errors'])} "
                      f"{ok(f['answers_ok'])}; table: {rows[0]:,} rows, {rows[1]:,} distinct {ok(f['stored_once'])}")
                print(f"  requests over 1 s: {sum(x > 1000 for x in f['latencies'])}; 'database is locked' in the "
                      f"server's log (all phases so far): {server.log_count('database is locked')}", flush=True)
                print(f"  {audit_line(f['audit'])}", flush=True)

            # 4. the raw driver, the same rows
            if "steady" in args.phases:
                out["peer_single"] = p = peer_inserts(db, steady_items, batch=1, clients=args.clients)
                print(f"4. peer: raw {driver} INSERT, {args.clients} threads, one commit per row ({len(steady_items):,} "
                      f"rows): {p['rate']:,.0f} rows/s, p50 {p['p50']:.1f} / p99 {p['p99']:.1f} ms → server capacity "
                      f"{c['rate'] / p['rate']:.3f}× its rate; the steady 200/s is {args.rate / p['rate']:.1%} of it")
            if "flush" in args.phases:
                out["peer_batch"] = q = peer_inserts(db, flush_items, batch=args.flush_batch, clients=args.clients)
                print(f"4. peer: raw {driver} INSERT, {args.clients} threads, one commit per {args.flush_batch} rows "
                      f"({unique:,} rows): {q['rate']:,.0f} rows/s, p50 {q['p50']:.1f} / p99 {q['p99']:.1f} ms per "
                      f"commit → the flush {unique / f['seconds'] / q['rate']:.3f}× its rate", flush=True)

            # 3. replay with kill -9
            if "replay" in args.phases:
                print(f"3. replay (load average {loadavg()})", flush=True)
                out["replay"] = rp = replay(db, server, unique=args.replay, clients=args.clients, kill_fraction=0.4,
                                            batch=args.flush_batch, day=DAYS["replay"], seed=5)
                print_replay(rp)
                if args.replay_single:
                    out["replay_single"] = rs = replay(db, server, unique=args.replay_single, clients=args.clients,
                                                       kill_fraction=0.4, batch=1, day=DAYS["replay_single"], seed=6)
                    print_replay(rs)
        finally:
            server.stop()
            db.drop()
    return out


def verdict(flag: bool) -> str:
    return "MET" if flag else "NOT MET"


def main() -> int:
    if "--setup" in sys.argv:
        setup_objects()
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (seconds)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200, help="single submissions/s offered in phase 1")
    parser.add_argument("--seconds", type=float, default=30, help="duration of phase 1")
    parser.add_argument("--capacity", type=int, default=3000, help="single submissions of the closed-loop run")
    parser.add_argument("--flush-clients", type=int, default=50)
    parser.add_argument("--flush-per-client", type=int, default=400, help="distinct queued counts per client")
    parser.add_argument("--flush-batch", type=int, default=50)
    parser.add_argument("--replay", type=int, default=20000, help="distinct counts of the replay in batches")
    parser.add_argument("--replay-single", type=int, default=500,
                        help="distinct counts of the replay in single submissions (0: not run)")
    parser.add_argument("--phases", nargs="+", choices=["steady", "flush", "replay"],
                        default=["steady", "flush", "replay"], help="the phases to run (peers need steady and flush)")
    parser.add_argument("--trace-waits", action="store_true",
                        help="record SQLite's busy-handler sleeps in phase 1 with `perf trace` (a diagnosis)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.capacity, args.flush_clients, args.flush_per_client = 3, 300, 10, 100
        args.replay, args.replay_single = 1000, 100
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (finally blocks) when terminated
    print(f"bench_ingest {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average {loadavg()}",
          flush=True)
    results = [bench(kind, args) for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db])]
    met = []
    print(f"\nGoal 1: {args.clients} clients, single submissions at a steady {args.rate:.0f}/s for {args.seconds:g} s: "
          "all answered and stored once, p99 ≤ 100 ms")
    for res in (r for r in results if "steady" in r):
        s = res["steady"]
        met.append(s["met"])
        print(f"  {res['db']:10s} {s['rate']:.1f}/s, {lat(s)}, {len(s['slow'])} over {SLOW_MS} ms → {verdict(s['met'])}")
    print(f"Goal 2: outbox flush, {args.flush_clients} clients × {args.flush_per_client} counts in batches of "
          f"{args.flush_batch}, 30 % resubmitted: each stored once, all answered within 30 s")
    for res in (r for r in results if "flush" in r):
        f = res["flush"]
        met.append(f["met"])
        print(f"  {res['db']:10s} {f['seconds']:.2f} s, {f['sent'] - f['duplicates']:,} counts → "
              f"{(f['sent'] - f['duplicates']) / f['seconds']:,.0f} counts/s, per request p50 {f['p50']:.0f} / "
              f"p99 {f['p99']:.0f} ms → {verdict(f['met'])}")
    print("Goal 3: replay with kill -9 of the server")
    for res in results:
        for name in ("replay", "replay_single"):
            if name in res:
                rp = res[name]
                met.append(rp["met"])
                how = "single submissions" if rp["batch"] == 1 else f"batches of {rp['batch']}"
                print(f"  {res['db']:10s} {how}: {rp['acked_at_kill'] - rp['lost_acked']:,}/{rp['acked_at_kill']:,} "
                      f"acknowledged stored once, {rp['rows']:,}/{rp['unique']:,} stored → {verdict(rp['met'])}")
    print("Peers: the raw driver, the same rows, 16 threads")
    for res in results:
        if "peer_single" in res:
            p, c = res["peer_single"], res["capacity"]
            print(f"  {res['db']:10s} commit per row {p['rate']:,.0f} rows/s (server capacity {c['rate']:,.0f}/s: "
                  f"{c['rate'] / p['rate']:.3f}×)")
        if "peer_batch" in res:
            q, f = res["peer_batch"], res["flush"]
            counts = (f["sent"] - f["duplicates"]) / f["seconds"]
            print(f"  {res['db']:10s} commit per {args.flush_batch} {q['rate']:,.0f} rows/s (flush {counts:,.0f} "
                  f"counts/s: {counts / q['rate']:.3f}×)")
    print(f"load average at the end {loadavg()}")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
