"""Dashboard of a day with 100,000 crossing records, through the real server (issue #5, goal 3).

Goal: the dashboard's figures (GET /api/crossings/dashboard for that day) in ≤ 200 ms, on SQLite and
on PostgreSQL (a fresh database bench_safepassage_<pid>, created and dropped). The day holds 100,000
records (2 % superseded, 1 % rejected, 8 % pending review); each neighbouring day holds 20,000 more,
and so does each of the 30 days before (`--earlier-days`): a month of counts, which the query must
skip, so that a time growing with the table rather than with the day shows. The answer's totals are
checked against the ground truth computed here.

Peers measured in the same run, on the same database: the same aggregate in raw SQL through the
driver (sqlite3 / psycopg), a naive Python sum over the day's rows fetched through the driver, and
the server's health check (the floor for one request through the stack).

    .venv/bin/python benchmarks/bench_dashboard.py [--db sqlite|postgres|both] [--records 100000] [--runs 30]
        [--earlier-days 30]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import Client, Database, Server, loadavg, pct  # noqa: E402

DAY = datetime(2016, 10, 20, tzinfo=UTC)
COUNT_COLS = ("women", "men", "children", "older_people", "persons_with_disabilities", "wounded", "sick",
              "leaving_armed_groups_unarmed", "leaving_armed_groups_armed", "weapons_handed_over")
COLS = ("client_uuid", "version", "is_current", "checkpoint_id", "corridor_id", "direction", "bucket_start",
        "bucket_minutes", *COUNT_COLS, "total_persons", "flags", "review_status", "review_note", "note", "source",
        "received_at")
PEOPLE = ("women", "men", "children", "older_people", "wounded", "sick", "leaving_armed_groups_unarmed",
          "leaving_armed_groups_armed")


def ts(db: Database, when: datetime):
    """A datetime as the driver stores it for Django (SQLite: naive UTC text)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if db.kind == "sqlite" else when


def fill(db: Database, records: int, earlier_days: int) -> dict:
    """Insert the day's records and the other days' through the driver; return the ground truth."""
    cp = db.objects["checkpoints"][0]
    corridor = db.query("SELECT corridor_id FROM corridors_checkpoint WHERE id = %s", (cp,))[0][0]
    rnd = random.Random(20161020)
    truth = {c: 0 for c in (*COUNT_COLS, "total_persons", "records")}
    rows = []

    def add(when: datetime, i: int, counted_day: bool) -> None:
        counts = {c: 0 for c in COUNT_COLS}
        for c in ("women", "men", "children", "older_people", "wounded", "sick"):
            counts[c] = rnd.randint(0, 20)
        counts["persons_with_disabilities"] = rnd.randint(0, counts["women"])
        total = sum(counts[c] for c in PEOPLE)
        current = i % 50 != 0
        status = "rejected" if i % 97 == 0 else "pending" if i % 13 == 0 else "not_needed"
        key = uuid.UUID(int=rnd.getrandbits(128), version=4)
        rows.append((key.hex if db.kind == "sqlite" else key, 1, current, cp, corridor, "out" if i % 5 else "in",
                     ts(db, when), 5, *(counts[c] for c in COUNT_COLS), total, "[]", status, "", "", "api",
                     ts(db, DAY)))
        if counted_day and current and status != "rejected":
            for c in COUNT_COLS:
                truth[c] += counts[c]
            truth["total_persons"] += total
            truth["records"] += 1

    for i in range(records):
        add(DAY + timedelta(seconds=(i * 86_400) // records), i, True)
    for d in (-1, 1, *range(-1 - earlier_days, -1)):
        for i in range(records // 5):
            add(DAY + timedelta(days=d, seconds=(i * 86_400) // (records // 5)), i, False)
    ph = ", ".join(["%s" if db.kind == "postgres" else "?"] * len(COLS))
    sql = f"INSERT INTO crossings_crossingcount ({', '.join(COLS)}) VALUES ({ph})"
    conn = db.connect()
    t = time.perf_counter()
    if db.kind == "postgres":
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(sql, rows)
        conn.execute("VACUUM ANALYZE crossings_crossingcount")  # as autovacuum would after a load this size
    else:
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    conn.close()
    truth["load_s"] = time.perf_counter() - t
    truth["rows"] = len(rows)
    return truth


def timed(fn, runs: int) -> tuple[list[float], object]:
    out, result = [], None
    for _ in range(3):
        result = fn()
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, result


def bench(kind: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        db = Database(kind, tmp)
        server = Server(db, 2)
        try:
            truth = fill(db, args.records, args.earlier_days)
            server.start()
            client = Client(server.port, db.objects["token"])
            path = f"/api/crossings/dashboard?day={DAY:%Y-%m-%d}&tz=UTC"

            def dashboard():
                status, body = client.request("GET", path)
                assert status == 200, body[:300]
                return json.loads(body)

            ours, answer = timed(dashboard, args.runs)
            overall = answer["crossings"]["overall"]
            exact = all(overall[c] == truth[c] for c in (*COUNT_COLS, "total_persons", "records"))
            health, _ = timed(lambda: client.request("GET", "/healthz"), args.runs)

            conn = db.connect()
            since, until = ts(db, DAY), ts(db, DAY + timedelta(days=1))
            p = "%s" if kind == "postgres" else "?"
            agg_sql = ("SELECT corridor_id, direction, " + ", ".join(f"SUM({c})" for c in (*COUNT_COLS, "total_persons"))
                       + ", COUNT(id), SUM(CASE WHEN review_status = 'pending' THEN total_persons ELSE 0 END) "
                       f"FROM crossings_crossingcount WHERE is_current = TRUE AND review_status <> 'rejected' AND "
                       f"bucket_start >= {p} AND bucket_start < {p} GROUP BY corridor_id, direction ORDER BY 1, 2")
            raw, raw_rows = timed(lambda: conn.execute(agg_sql, (since, until)).fetchall(), args.runs)
            raw_total = sum(r[2 + len(COUNT_COLS)] for r in raw_rows)
            naive_sql = ("SELECT is_current, review_status, total_persons, " + ", ".join(COUNT_COLS)
                         + f" FROM crossings_crossingcount WHERE bucket_start >= {p} AND bucket_start < {p}")

            def naive():
                total = 0
                for row in conn.execute(naive_sql, (since, until)):
                    if row[0] and row[1] != "rejected":
                        total += row[2]
                return total

            py, py_total = timed(naive, max(5, args.runs // 3))
            plan = conn.execute(("EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN ") + agg_sql,
                                (since, until)).fetchall()
            conn.close()
        finally:
            server.stop()
            db.drop()
    return {"db": kind, "truth": truth, "ours": ours, "exact": exact, "health": health, "raw": raw,
            "raw_ok": raw_total == truth["total_persons"], "py": py, "py_ok": py_total == truth["total_persons"],
            "plan": " | ".join(str(r[-1]) for r in plan[:4])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--earlier-days", type=int, default=30,
                        help="days before the day's eve holding a fifth of its records each")
    args = parser.parse_args()
    print(f"bench_dashboard {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {loadavg()}")
    ok = True
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        r = bench(kind, args)
        t, med = r["truth"], statistics.median(r["ours"])
        met = med <= 200 and r["exact"]
        ok &= met and r["raw_ok"] and r["py_ok"]
        print(f"\n== {kind}: {args.records:,} records that day ({t['records']:,} counted, {t['total_persons']:,} persons)"
              f", {t['rows']:,} rows in all (loaded in {t['load_s']:.1f} s); load average {loadavg()}")
        print(f"dashboard (GET /api/crossings/dashboard, gunicorn): median {med:.1f} ms, p95 {pct(r['ours'], 95):.1f} ms, "
              f"max {max(r['ours']):.1f} ms (n={len(r['ours'])}); figures exact: {r['exact']}   goal ≤ 200 ms "
              f"{'MET' if met else 'NOT MET'}")
        raw, py, health = statistics.median(r["raw"]), statistics.median(r["py"]), statistics.median(r["health"])
        print(f"  peer: same aggregate in raw SQL ({'sqlite3' if kind == 'sqlite' else 'psycopg'}): {raw:.1f} ms → "
              f"ours {med / raw:.2f}× (correct: {r['raw_ok']})")
        print(f"  peer: naive Python sum over the day's rows: {py:.1f} ms → ours {med / py:.2f}× (correct: {r['py_ok']})")
        print(f"  peer: health check through the server: {health:.1f} ms → ours {med / health:.1f}×")
        print(f"  plan: {r['plan']}")
    print(f"\nload average at the end {loadavg()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
