"""Agreements tally at any moment with 5,000 agreements and 20,000 status changes (issue #19 goal).

Goal: `selectors.tally(at)` (signed_total, signed_last_24h, in_force, computed from the records in SQL)
in ≤ 50 ms, on SQLite and on PostgreSQL (a fresh database bench_tally_<pid>, created and dropped).
The registry holds 3,000 communities; 5,000 agreements signed over 2016 (some communities sign more
than once); each agreement starts `signed` and gets further changes (in force, suspended, breached,
lapsed, terminated) up to 20,000 changes in all. The tally is taken at random moments of the year.

Peers measured in the same run, on the same database, through Django's cursor: the same three
figures in hand-written SQL, and the definition itself in SQL (each agreement's latest change at or
before the moment, without the `valid_until` the services keep); all answers are checked equal at
every moment.

    .venv/bin/python benchmarks/bench_tally.py [--db sqlite|postgres|both] [--runs 200]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
AGREEMENTS, CHANGES, COMMUNITIES = 5_000, 20_000, 3_000
YEAR = datetime(2016, 1, 1, tzinfo=UTC)

RAW = """
SELECT
  (SELECT COUNT(DISTINCT community_id) FROM agreements_agreement WHERE signed_at <= %s),
  (SELECT COUNT(DISTINCT a.community_id) FROM agreements_agreement a
    WHERE a.signed_at > %s AND a.signed_at <= %s
      AND NOT EXISTS (SELECT 1 FROM agreements_agreement b
                       WHERE b.community_id = a.community_id AND b.signed_at <= %s)),
  (SELECT COUNT(DISTINCT a.community_id) FROM agreements_agreementstatuschange s
     JOIN agreements_agreement a ON a.id = s.agreement_id
    WHERE s.status = 'in_force' AND s.valid_from <= %s AND (s.valid_until IS NULL OR s.valid_until > %s))
"""
# The definition itself, without valid_until: each agreement's latest change at or before the moment.
REFERENCE = """
SELECT
  (SELECT COUNT(DISTINCT community_id) FROM agreements_agreement WHERE signed_at <= %s),
  (SELECT COUNT(*) FROM (SELECT community_id FROM agreements_agreement WHERE signed_at <= %s
                         GROUP BY community_id HAVING MIN(signed_at) > %s) AS first_signed),
  (SELECT COUNT(DISTINCT a.community_id) FROM agreements_agreement a
    WHERE a.signed_at <= %s
      AND (SELECT s.status FROM agreements_agreementstatuschange s
            WHERE s.agreement_id = a.id AND s.valid_from <= %s
            ORDER BY s.valid_from DESC, s.id DESC LIMIT 1) = 'in_force')
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fill() -> None:
    """Insert the registry through the ORM's bulk_create (the benchmark measures reads, not writes)."""
    from safepassage.agreements.models import Agreement, AgreementStatusChange, Community
    from safepassage.places.models import Place

    rnd = random.Random(19)
    now = datetime.now(UTC)
    places = []
    for i in range(COMMUNITIES):
        p = Place(kind="site", name=f"Community {i}", pcode=f"SY{i:06d}", site_type="populated_place",
                  source="bench", external_id=str(i))
        p.set_geometry({"type": "Point", "coordinates": [36 + rnd.random() * 6, 32 + rnd.random() * 5]})
        places.append(p)
    Place.objects.bulk_create(places, batch_size=500)
    places = list(Place.objects.filter(source="bench").order_by("id"))
    communities = Community.objects.bulk_create(
        [Community(place=p, population=rnd.randrange(500, 50_000), population_source="bench") for p in places],
        batch_size=500)
    communities = list(Community.objects.order_by("id"))
    agreements = [Agreement(community=rnd.choice(communities), name=f"Agreement {i}", kind="local_ceasefire",
                            signed_at=YEAR + timedelta(seconds=rnd.randrange(365 * 86400)))
                  for i in range(AGREEMENTS)]
    Agreement.objects.bulk_create(agreements, batch_size=500)
    agreements = list(Agreement.objects.order_by("id"))
    changes = [AgreementStatusChange(agreement=a, status="signed", valid_from=a.signed_at, source="bench",
                                     recorded_at=now) for a in agreements]
    moments = {a.pk: a.signed_at for a in agreements}
    statuses = ["in_force", "in_force", "suspended", "breached", "lapsed", "terminated"]
    while len(changes) < CHANGES:
        a = rnd.choice(agreements)
        moments[a.pk] += timedelta(seconds=rnd.randrange(3600, 30 * 86400))
        changes.append(AgreementStatusChange(agreement=a, status=rnd.choice(statuses), valid_from=moments[a.pk],
                                             source="bench", recorded_at=now))
    following: dict[int, datetime | None] = {}
    for c in sorted(changes, key=lambda c: (c.agreement.pk, c.valid_from), reverse=True):
        c.valid_until = following.get(c.agreement.pk)  # as the services keep it: the next change's valid_from
        following[c.agreement.pk] = c.valid_from
    AgreementStatusChange.objects.bulk_create(changes, batch_size=1000)


def worker(runs: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from safepassage.agreements import selectors

    call_command("migrate", verbosity=0)
    fill()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    rnd = random.Random(20161020)
    moments = [YEAR + timedelta(seconds=rnd.randrange(400 * 86400)) for _ in range(runs)]
    orm, raw, ref = [], [], []
    for at in moments:
        t0 = time.perf_counter()
        t = selectors.tally(at)
        orm.append((time.perf_counter() - t0) * 1000)
        day_before = at - timedelta(hours=24)
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(RAW, [at, day_before, at, day_before, at, at])
            row = cur.fetchone()
            raw.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            cur.execute(REFERENCE, [at, at, day_before, at, at])
            expected = cur.fetchone()
            ref.append((time.perf_counter() - t0) * 1000)
        assert tuple(row) == tuple(expected) == (t.signed_total, t.signed_last_24h, t.in_force), (at, row, t)
    last = selectors.tally(moments[-1])
    print(f"{connection.vendor}: {AGREEMENTS:,} agreements, {CHANGES:,} status changes, {COMMUNITIES:,} communities, "
          f"{runs} moments (e.g. {last.signed_total} signed, {last.signed_last_24h} in 24 h, {last.in_force} in force)")
    print(f"  tally (ORM, 3 queries)  median {statistics.median(orm):7.2f} ms   p95 {pct(orm, 95):7.2f} ms   "
          f"goal ≤ 50 ms: {'met' if pct(orm, 95) <= 50 else 'NOT met'}")
    print(f"  raw SQL peer (1 query)  median {statistics.median(raw):7.2f} ms   p95 {pct(raw, 95):7.2f} ms   "
          f"ratio ORM/raw {statistics.median(orm) / statistics.median(raw):.2f}x")
    print(f"  reference SQL (latest change per agreement, GROUP BY / HAVING)  median {statistics.median(ref):7.2f} ms"
          f"   p95 {pct(ref, 95):7.2f} ms")


def run(kind: str, runs: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["SAFEPASSAGE_DATA_DIR"] = tmp
        if kind == "sqlite":
            env["SAFEPASSAGE_SQLITE"] = str(Path(tmp) / "bench.sqlite3")
            return subprocess.run([sys.executable, __file__, "--worker", "--runs", str(runs)], env=env).returncode
        import psycopg

        name = f"bench_tally_{os.getpid()}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
            return subprocess.run([sys.executable, __file__, "--worker", "--runs", str(runs)], env=env).returncode
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.runs)
        return 0
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    return max(run(kind, args.runs) for kind in kinds)


if __name__ == "__main__":
    sys.exit(main())
