"""Daily bulletin within a year of data (issue #19 goal): JSON ≤ 1 s, PDF ≤ 5 s.

A fresh SQLite database (or PostgreSQL database bench_bulletin_<pid>, created and dropped) gets a year of
hourly crossing counts (default 1,000,000 rows over 2016, on 4 corridors with 3 checkpoints each, both
directions) and 50,000 incidents; then the bulletin of 20 October 2016 is built (public and internal,
JSON) and rendered to PDF, several times. Agreements are not filled here (bench_tally.py measures them).

    .venv/bin/python benchmarks/bench_bulletin.py [--db sqlite|postgres|both] [--crossings 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
YEAR = datetime(2016, 1, 1, tzinfo=UTC)
LINE = {"type": "LineString", "coordinates": [[37.19, 36.23], [37.18, 36.24], [37.17, 36.25]]}


def fill(crossings: int, incidents: int) -> None:
    from datetime import time as clock

    from safepassage.core.permissions import Role
    from safepassage.core.principal import Principal
    from safepassage.corridors import services as corridors
    from safepassage.crossings.models import CrossingCount
    from safepassage.incidents.models import Incident

    system = Principal(user=None, role=Role.ADMIN, via="bench")
    rnd = random.Random(20161020)
    checkpoints = []
    for c in range(4):
        corridor = corridors.create_corridor(name=f"Corridor {c}", geometry=LINE, direction="both",
                                             eligible_groups=["civilians"], opens_at=clock(0, 0),
                                             closes_at=clock(23, 59), by=system)
        checkpoints += [corridors.add_checkpoint(corridor=corridor, name=f"CP {c}.{k}", lon=37.18, lat=36.24,
                                                 by=system) for k in range(3)]
    now = datetime.now(UTC)
    batch = []
    for n in range(crossings):
        cp = checkpoints[n % len(checkpoints)]
        women, men, children = rnd.randrange(30), rnd.randrange(20), rnd.randrange(25)
        batch.append(CrossingCount(
            client_uuid=uuid.uuid4(), checkpoint_id=cp.id, corridor_id=cp.corridor_id,
            direction="out" if n % 2 else "in", bucket_minutes=60,
            bucket_start=YEAR + timedelta(hours=n * 8784 // crossings, minutes=n % 7),
            women=women, men=men, children=children, total_persons=women + men + children, received_at=now))
        if len(batch) == 20_000:
            CrossingCount.objects.bulk_create(batch)
            batch = []
    CrossingCount.objects.bulk_create(batch)
    cats = ["access_hostilities", "military_use_of_civilian_buildings", "attack_on_corridor_users", "other"]
    Incident.objects.bulk_create([Incident(
        title=f"Incident {n}", categories=[cats[n % 4]], verification=("verified", "unverified")[n % 2],
        published=n % 3 == 0, time_earliest=YEAR + timedelta(minutes=rnd.randrange(366 * 1440)),
        time_precision="hour", recorded_at=now) for n in range(incidents)], batch_size=5_000)


def worker(crossings: int, incidents: int, runs: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from safepassage.reports import render, selectors

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    fill(crossings, incidents)
    print(f"{connection.vendor}: filled {crossings:,} crossing counts, {incidents:,} incidents in "
          f"{time.perf_counter() - t0:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    day = date(2016, 10, 20)
    for audience in ("public", "internal"):
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            b = selectors.build(day=day, tz="Asia/Damascus", as_of=None, audience=audience)
            times.append(time.perf_counter() - t0)
        n = sum(len(s["figures"]) for s in b["sections"])
        print(f"  bulletin JSON ({audience}, {n} figures)  median {statistics.median(times):6.3f} s   "
              f"max {max(times):6.3f} s   goal ≤ 1 s: {'met' if max(times) <= 1 else 'NOT met'}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        b = selectors.build(day=day, tz="Asia/Damascus", as_of=None, audience="public")
        render.pdf(b, lang="ar")
        times.append(time.perf_counter() - t0)
    print(f"  bulletin PDF (Arabic, build included)  median {statistics.median(times):6.3f} s   "
          f"max {max(times):6.3f} s   goal ≤ 5 s: {'met' if max(times) <= 5 else 'NOT met'}")


def run(kind: str, args) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    cmd = [sys.executable, __file__, "--worker", "--crossings", str(args.crossings), "--incidents",
           str(args.incidents), "--runs", str(args.runs)]
    with tempfile.TemporaryDirectory() as tmp:
        env["SAFEPASSAGE_DATA_DIR"] = tmp
        if kind == "sqlite":
            env["SAFEPASSAGE_SQLITE"] = str(Path(tmp) / "bench.sqlite3")
            return subprocess.run(cmd, env=env).returncode
        import psycopg

        name = f"bench_bulletin_{os.getpid()}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
            return subprocess.run(cmd, env=env).returncode
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--crossings", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.crossings, args.incidents, args.runs)
        return 0
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    return max(run(kind, args) for kind in kinds)


if __name__ == "__main__":
    sys.exit(main())
