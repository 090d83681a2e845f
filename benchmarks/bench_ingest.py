"""Crossing-count ingest and kill -9 replay through the real server (issue #5, goals 1 and 2).

The server is `safepassage serve` (gunicorn, as deployed) on a fresh SQLite file (SAFEPASSAGE_DATA_DIR)
and, unless --db sqlite, on a fresh PostgreSQL database (bench_safepassage_<pid>, created and dropped).

Goal 1: 16 concurrent clients, ≥ 1,000 submissions/s with p99 ≤ 50 ms, each one audited. Measured
for single submissions (POST /api/crossings/counts) and for batches (POST /api/crossings/counts/batch,
an offline device emptying its outbox; the rate counts submissions, the latency is per request), at
saturation (closed loop) and paced at --rate submissions/s (open loop, latency from the due time).
Peer in the same run: the same rows inserted with the raw driver (sqlite3 / psycopg) by 16 threads,
one commit per row and one commit per batch. After each phase the rows, the audit entries (one per
stored row) and the whole chain (`safepassage audit verify`) are checked.

Goal 2: 20,000 distinct submissions plus 30 % duplicates (26,000 submissions) in random order, 16
clients, in batches of 20 (--replay-batch 1: single submissions, each acknowledged on its own); the
server (gunicorn master and workers) is killed with SIGKILL once 40 % are acknowledged, and restarted;
clients retry what was not acknowledged (connection error or 5xx) until it is. Checked: every acknowledged submission stored exactly once,
all 20,000 stored, one audit entry each, chain intact, totals (SQL and the summary API) equal to the
ground truth.

    .venv/bin/python benchmarks/bench_ingest.py [--quick] [--db sqlite|postgres|both] [--workers 2] [--replay-batch 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
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
DAYS = {"single": datetime(2016, 10, 18, tzinfo=UTC), "batch": datetime(2016, 10, 19, tzinfo=UTC),
        "replay": datetime(2016, 10, 20, tzinfo=UTC), "wrk": datetime(2016, 10, 21, tzinfo=UTC)}
WRK_SCRIPT = Path(__file__).with_name("wrk_counts.lua")


# --- server-side setup (run in a subprocess with the server's environment) ---------------------------

def setup_objects() -> None:
    """Create an admin with an API token and an open corridor with one checkpoint; print them as JSON."""
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
        name="Bench road", direction="out", eligible_groups=["civilians", "wounded_sick"], opens_at=dtime(0, 0),
        closes_at=dtime(23, 59), timezone="UTC", by=system, at=since,
        geometry={"type": "LineString", "coordinates": [[37.19, 36.23], [37.17, 36.25]]})
    corridors.set_corridor_status(corridor_id=corridor.pk, status="open", reason="bench", by=system, at=since)
    checkpoint = corridors.add_checkpoint(corridor=corridor, name="Bench CP", lon=37.17, lat=36.25, by=system)
    print(json.dumps({"token": token, "checkpoint_id": checkpoint.pk}))


# --- a database to serve from -------------------------------------------------------------------------

class Database:
    def __init__(self, kind: str, tmp: str):
        self.kind, self.tmp = kind, tmp
        self.env = {**os.environ, "SAFEPASSAGE_DATA_DIR": tmp, "SAFEPASSAGE_DEBUG": "0",
                    "SAFEPASSAGE_SECRET_KEY": "bench-only", "DJANGO_SETTINGS_MODULE": "safepassage.settings"}
        self.env.pop("SAFEPASSAGE_SQLITE", None)
        self.env.pop("DATABASE_URL", None)
        if kind == "postgres":
            self.name = f"bench_safepassage_{os.getpid()}"
            self.admin(f"DROP DATABASE IF EXISTS {self.name}")
            self.admin(f"CREATE DATABASE {self.name}")
            self.env["DATABASE_URL"] = f"{PG}/{self.name}"
        else:
            self.path = str(Path(tmp) / "safepassage.sqlite3")
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
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
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
        if self.kind == "postgres":
            self.admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Server:
    def __init__(self, db: Database, workers: int):
        self.db, self.workers = db, workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([SP, "serve", "--port", str(self.port), "--workers", str(self.workers)],
                                     env=self.db.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        raise RuntimeError("the server did not start")

    def pids(self) -> list[int]:
        """The master (the process we started) and its workers (its children)."""
        master = self.proc.pid
        children = []
        for task in Path(f"/proc/{master}/task").glob("*/children"):
            children += [int(p) for p in task.read_text().split()]
        return [master, *children]

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


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def make_items(n: int, checkpoint_id: int, day: datetime, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        counts = {g: rnd.randint(0, 30) for g in GROUPS}
        out.append({"client_uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                    "checkpoint_id": checkpoint_id, "direction": "out",
                    "bucket_start": (day + timedelta(minutes=5 * (i % 288))).isoformat(), "bucket_minutes": 5,
                    **counts})
    return out


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def load(port: int, token: str, items: list[dict], *, batch: int, clients: int, rate: float | None = None) -> dict:
    """Send `items` with `clients` concurrent clients, one submission or one batch per request.

    Without `rate`, each client sends its next request as soon as the previous one is answered
    (saturation). With `rate` (submissions/s), request j is due at start + j * batch / rate (open
    loop) and its latency counts from that due time, so that a server falling behind shows up in the
    latency instead of slowing the clients down.
    """
    chunks = [items[i:i + batch] for i in range(0, len(items), batch)]
    work: queue.SimpleQueue = queue.SimpleQueue()
    for j, c in enumerate(chunks):
        work.put((j, c))
    ends: list[float] = []
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        client = Client(port, token)
        mine = []
        end = t0
        while True:
            try:
                j, chunk = work.get_nowait()
            except queue.Empty:
                break
            t = time.perf_counter()
            if rate is not None:
                due = t0 + j * batch / rate
                if due > t:
                    time.sleep(due - t)
                t = due
            if batch == 1:
                status, body = client.request("POST", "/api/crossings/counts", chunk[0])
                ok = status == 201
            else:
                status, body = client.request("POST", "/api/crossings/counts/batch", {"items": chunk})
                ok = status == 200 and json.loads(body)["stored"] == len(chunk)
            end = time.perf_counter()
            mine.append((end - t) * 1000)
            if not ok:
                with lock:
                    errors.append(f"{status} {body[:200]!r}")
        with lock:
            latencies.extend(mine)
            ends.append(end)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter() + 0.05
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = max(ends) - t0
    return {"n": len(items), "requests": len(chunks), "seconds": elapsed, "rate": len(items) / elapsed,
            "p50": pct(latencies, 50), "p99": pct(latencies, 99), "errors": errors, "target": rate}


def wrk_singles(port: int, token: str, checkpoint_id: int, *, clients: int, seconds: float) -> dict:
    """Single submissions from wrk (C, 2 threads, `clients` keep-alive connections), for `seconds`.

    The Python clients above spend about as much CPU per request as the server's own work, on the
    same two cores; wrk spends a fraction, so this phase measures the server rather than the clients.
    """
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", str(WRK_SCRIPT),
                          f"http://127.0.0.1:{port}", "--", token, str(checkpoint_id), f"{DAYS['wrk']:%Y-%m-%d}"],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return {"n": r["created"], "requests": r["requests"], "seconds": r["duration_s"],
            "rate": r["created"] / r["duration_s"], "p50": r["p50_ms"], "p99": r["p99_ms"], "max": r["max_ms"],
            "errors": ([f"{r['other']} answers other than 201"] if r["other"] else [])
            + ([f"{r['socket_errors']} socket errors"] if r["socket_errors"] else [])}


# --- peers: the raw driver -----------------------------------------------------------------------------

def peer_inserts(db: Database, items: list[dict], *, batch: int, clients: int) -> dict:
    """The same rows into a copy of the crossing table through the raw driver, one commit per chunk."""
    cols = ["client_uuid", "version", "is_current", "checkpoint_id", "corridor_id", "direction", "bucket_start",
            "bucket_minutes", "women", "men", "children", "older_people", "persons_with_disabilities", "wounded",
            "sick", "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over",
            "total_persons", "flags", "review_status", "review_note", "note", "source", "received_at"]
    corridor_id = db.query("SELECT corridor_id FROM corridors_checkpoint WHERE id = %s",
                           (db.objects["checkpoint_id"],))[0][0]
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
        return (key if db.kind == "postgres" else key.hex, 1, True, it["checkpoint_id"], corridor_id, "out",
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


def audit_check(db: Database) -> tuple[int, int, str]:
    """(crossing rows, crossing_count.submitted entries, `safepassage audit verify` output)."""
    rows = db.query("SELECT count(*) FROM crossings_crossingcount")[0][0]
    entries = db.query("SELECT count(*), count(DISTINCT object_id) FROM audit_auditentry "
                       "WHERE action = 'crossing_count.submitted'")[0]
    assert entries[0] == entries[1], "a count has two 'submitted' entries"
    verify = subprocess.run([SP, "audit", "verify"], env=db.env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    return rows, entries[0], verify.stdout.strip()


# --- goal 2: replay with kill -9 ------------------------------------------------------------------------

def replay(db: Database, server: Server, *, unique: int, clients: int, kill_fraction: float,
           batch: int = 1) -> dict:
    token, cp = db.objects["token"], db.objects["checkpoint_id"]
    rnd = random.Random(2016)
    items = make_items(unique, cp, DAYS["replay"], seed=5)
    stream = items + rnd.sample(items, int(unique * 0.3))
    rnd.shuffle(stream)
    work: queue.SimpleQueue = queue.SimpleQueue()
    for it in stream:
        work.put(it)
    acked: dict[str, int] = {}
    failures: list[str] = []
    retries = [0]
    lock = threading.Lock()
    up = threading.Event()
    up.set()

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
                up.wait()
                try:
                    if batch == 1:
                        status, body = client.request("POST", "/api/crossings/counts", chunk[0])
                    else:
                        status, body = client.request("POST", "/api/crossings/counts/batch", {"items": chunk})
                        if status == 200 and json.loads(body)["refused"]:
                            status = 422
                except (OSError, http.client.HTTPException):
                    status, body = 0, b""
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
                    failures.append(f"{status} {body[:200]!r}")
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
    stored = db.query("SELECT client_uuid FROM crossings_crossingcount")
    stored_keys = [str(r[0]).replace("-", "") if db.kind == "sqlite" else str(r[0]) for r in stored]
    counts_by_key: dict[str, int] = {}
    for k in stored_keys:
        counts_by_key[k] = counts_by_key.get(k, 0) + 1
    lost = [u for u in acked_before if counts_by_key.get(key(u), 0) != 1]
    truth = {g: sum(it[g] for it in items) for g in GROUPS}
    truth_total = sum(truth.values())
    rows, distinct, total = day_rows(db, DAYS["replay"])
    client = Client(server.port, token)
    status, body = client.request("GET", f"/api/crossings/summary?day={DAYS['replay']:%Y-%m-%d}&tz=UTC")
    overall = json.loads(body)["overall"] if status == 200 else {}
    audit_rows, audit_entries, verify = audit_check(db)
    return {
        "sent": len(stream), "unique": unique, "batch": batch, "duplicates": len(stream) - unique, "clients": clients,
        "acked_at_kill": len(acked_before), "stored_at_kill": stored_at_kill, "killed_pids": len(killed),
        "restart_s": restart_s, "retries": retries[0], "failures": failures, "seconds": elapsed,
        "acked_total": len(acked), "lost_acked": len(lost), "rows": rows, "distinct": distinct,
        "all_stored_once": rows == distinct == unique and all(counts_by_key.get(key(it["client_uuid"])) == 1
                                                              for it in items),
        "total_sql": total, "truth_total": truth_total,
        "api_total": overall.get("total_persons"), "api_groups": {g: overall.get(g) for g in GROUPS},
        "truth_groups": truth, "audit_rows": audit_rows, "audit_entries": audit_entries, "verify": verify,
    }


# --- main -----------------------------------------------------------------------------------------------

def loadavg() -> str:
    """The load average, and the machine's speed right now (this shared machine's varies up to 2x)."""
    start = time.process_time()
    total = 0
    for i in range(3_000_000):  # a fixed pure-Python loop: ~160 ms on this machine at full speed
        total += i
    probe = (time.process_time() - start) * 1000
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) + f"; speed probe {probe:.0f} ms"


def fmt(r: dict) -> str:
    return f"{r['rate']:8.0f} submissions/s   p50 {r['p50']:6.1f} ms   p99 {r['p99']:6.1f} ms"


def bench(kind: str, args) -> dict:
    out: dict = {"db": kind}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        db = Database(kind, tmp)
        server = Server(db, args.workers)
        try:
            server.start()
            token, cp = db.objects["token"], db.objects["checkpoint_id"]
            load(server.port, token, make_items(64, cp, datetime(2016, 10, 17, tzinfo=UTC), seed=9), batch=1,
                 clients=args.clients)  # warm-up (its own day)
            print(f"\n== {kind}: gunicorn {args.workers} workers x 8 threads, {args.clients} clients "
                  f"(load average {loadavg()})", flush=True)
            single_items = make_items(args.single, cp, DAYS["single"], seed=1)
            out["single"] = r = load(server.port, token, single_items, batch=1, clients=args.clients)
            rows = day_rows(db, DAYS["single"])
            assert rows[0] == rows[1] == args.single, rows
            print(f"single submissions ({args.single:,}): {fmt(r)}   errors {len(r['errors'])}", flush=True)
            out["peer_single"] = p = peer_inserts(db, single_items, batch=1, clients=args.clients)
            print(f"  peer: raw {'psycopg' if kind == 'postgres' else 'sqlite3'} INSERT, one commit per row, "
                  f"{args.clients} threads: {fmt(p)}   → ours {r['rate'] / p['rate']:.3f}× its rate", flush=True)
            if shutil.which("wrk"):
                out["wrk"] = r = wrk_singles(server.port, token, cp, clients=args.clients, seconds=args.wrk_seconds)
                rows = day_rows(db, DAYS["wrk"])
                # every 201 stored once; wrk stops with up to one request per connection in flight, which
                # the server may have stored without wrk reading the answer
                assert rows[0] == rows[1] and r["n"] <= rows[0] <= r["n"] + args.clients, (rows, r)
                print(f"single submissions from wrk ({args.clients} connections, {args.wrk_seconds:g} s, "
                      f"{r['n']:,} stored): {fmt(r)}   errors {len(r['errors'])}", flush=True)
                wrk_items = make_items(r["n"], cp, DAYS["wrk"] + timedelta(days=30), seed=5)
                out["peer_wrk"] = p = peer_inserts(db, wrk_items, batch=1, clients=args.clients)
                print(f"  peer: raw driver, the same number of rows, one commit per row, {args.clients} threads: "
                      f"{fmt(p)}   → ours {r['rate'] / p['rate']:.3f}× its rate", flush=True)
            else:
                print("wrk not found (Debian package wrk): the wrk phase is left out", flush=True)
            out["batches"] = []
            for size in args.batch:
                batch_items = make_items(args.batched, cp, DAYS["batch"] + timedelta(days=0), seed=100 + size)
                r = load(server.port, token, batch_items, batch=size, clients=args.clients)
                p = peer_inserts(db, batch_items, batch=size, clients=args.clients)
                out["batches"].append({"size": size, "ours": r, "peer": p})
                print(f"batches of {size} ({args.batched:,} submissions, {r['requests']} requests): {fmt(r)} "
                      f"(latency per request)   errors {len(r['errors'])}", flush=True)
                print(f"  peer: raw driver, one commit per {size} rows, {args.clients} threads: {fmt(p)}   → ours "
                      f"{r['rate'] / p['rate']:.3f}× its rate", flush=True)
            out["paced"] = []
            for size in args.paced_batch:
                paced_items = make_items(max(args.batched // 2, size * 20), cp, DAYS["batch"], seed=300 + size)
                r = load(server.port, token, paced_items, batch=size, clients=args.clients, rate=args.rate)
                out["paced"].append({"size": size, "ours": r})
                print(f"paced at {args.rate:.0f} submissions/s in batches of {size} ({len(paced_items):,} submissions, "
                      f"latency from each request's due time): {fmt(r)}   errors {len(r['errors'])}", flush=True)
            out["audit"] = audit_check(db)
            print(f"audit: {out['audit'][0]:,} counts, {out['audit'][1]:,} 'submitted' entries; {out['audit'][2]}",
                  flush=True)
            assert out["audit"][0] == out["audit"][1]
            print(f"-- replay (load average {loadavg()})", flush=True)
            out["replay"] = rp = replay(db, server, unique=args.replay, clients=args.clients, kill_fraction=0.4,
                                       batch=args.replay_batch)
            how = "single submissions" if rp["batch"] == 1 else f"batches of {rp['batch']}"
            print(f"replay: {rp['sent']:,} sent ({rp['unique']:,} distinct + {rp['duplicates']:,} duplicates, random "
                  f"order), {rp['clients']} clients, {how}, {rp['seconds']:.1f} s", flush=True)
            print(f"  kill -9 of {rp['killed_pids']} processes (master + workers) after {rp['acked_at_kill']:,} "
                  f"acknowledgements ({rp['stored_at_kill']:,} rows in the database at that moment); restarted in "
                  f"{rp['restart_s']:.1f} s; {rp['retries']:,} client retries; failures {len(rp['failures'])}")
            ok_ack = rp["lost_acked"] == 0
            ok_all = rp["all_stored_once"]
            ok_tot = rp["total_sql"] == rp["truth_total"] == rp["api_total"] and rp["api_groups"] == rp["truth_groups"]
            ok_audit = rp["audit_rows"] == rp["audit_entries"]
            print(f"  acknowledged before the kill and stored exactly once: {rp['acked_at_kill'] - rp['lost_acked']:,}"
                  f"/{rp['acked_at_kill']:,} {'OK' if ok_ack else 'FAILED'}")
            print(f"  after the retries: {rp['rows']:,} rows, {rp['distinct']:,} distinct, of {rp['unique']:,} "
                  f"{'OK' if ok_all else 'FAILED'}")
            print(f"  totals: SQL {rp['total_sql']:,}, summary API {rp['api_total']}, ground truth "
                  f"{rp['truth_total']:,}; per group equal: {rp['api_groups'] == rp['truth_groups']} "
                  f"{'OK' if ok_tot else 'FAILED'}")
            print(f"  audit: {rp['audit_rows']:,} counts, {rp['audit_entries']:,} 'submitted' entries; {rp['verify']} "
                  f"{'OK' if ok_audit else 'FAILED'}", flush=True)
            out["replay_ok"] = ok_ack and ok_all and ok_tot and ok_audit and not rp["failures"]
        finally:
            server.stop()
            db.drop()
    return out


def main() -> int:
    if "--setup" in sys.argv:
        setup_objects()
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (8 threads each)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--single", type=int, default=2000, help="single submissions")
    parser.add_argument("--batched", type=int, default=20000, help="submissions sent in batches")
    parser.add_argument("--batch", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--replay", type=int, default=20000, help="distinct submissions in the replay")
    parser.add_argument("--replay-batch", type=int, default=20,
                        help="submissions per request in the replay (1: single submissions)")
    parser.add_argument("--wrk-seconds", type=float, default=15, help="duration of the wrk phase")
    parser.add_argument("--rate", type=float, default=1000, help="target rate of the paced (open-loop) run")
    parser.add_argument("--paced-batch", type=int, nargs="+", default=[20, 50], help="batch sizes of the paced run")
    args = parser.parse_args()
    if args.quick:
        args.single, args.batched, args.replay, args.wrk_seconds = 400, 2000, 1000, 3
    print(f"bench_ingest {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average {loadavg()}")
    results = [bench(kind, args) for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db])]
    print("\nGoal 1: ≥ 1,000 submissions/s with p99 ≤ 50 ms (16 clients)")
    for res in results:
        s = res["single"]
        print(f"  {res['db']:8s} single (Python clients): {s['rate']:.0f}/s p99 {s['p99']:.1f} ms → "
              f"{'MET' if s['rate'] >= 1000 and s['p99'] <= 50 else 'NOT MET'}")
        if "wrk" in res:
            w = res["wrk"]
            print(f"  {res['db']:8s} single (wrk): {w['rate']:.0f}/s p99 {w['p99']:.1f} ms → "
                  f"{'MET' if w['rate'] >= 1000 and w['p99'] <= 50 and not w['errors'] else 'NOT MET'}")
        for b in res["batches"]:
            # Saturated: 16 clients each send their next batch as soon as the last is answered, so a
            # request's latency is the queue (16 × the batch / the rate); the paced runs measure latency.
            o = b["ours"]
            print(f"  {res['db']:8s} batches of {b['size']}, saturated: {o['rate']:.0f}/s → rate "
                  f"{'MET' if o['rate'] >= 1000 else 'NOT MET'} (p99 {o['p99']:.1f} ms per request: the queue)")
        for b in res["paced"]:
            # Offered at the target rate, the measured rate is the target less the last request's latency
            # over the run (999.6/s for 1,000/s): the server kept up when it is within 1 % of it.
            o = b["ours"]
            kept_up = o["rate"] >= 0.99 * o["target"]
            print(f"  {res['db']:8s} paced {o['target']:.0f}/s, batches of {b['size']}: {o['rate']:.0f}/s p99 "
                  f"{o['p99']:.1f} ms per request → "
                  f"{'MET' if o['target'] >= 1000 and kept_up and o['p99'] <= 50 else 'NOT MET'}")
    print("Goal 2: replay with kill -9 of the server")
    for res in results:
        print(f"  {res['db']:8s} {'MET' if res['replay_ok'] else 'NOT MET'}")
    print(f"load average at the end {loadavg()}")
    return 0 if all(r["replay_ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
