"""Incident import benchmark: `safepassage import incidents` of un.geojson (14,058 points), time and peak RSS.

Goal (issue #18): ≤ 10 s and ≤ 300 MB. Measured with `/usr/bin/time -v` around the real command on a
fresh SQLite database holding the demo's neighbourhoods (for the per-area report): a first run that
creates every incident (with its source and unknown attribution, one audit entry), then an idempotent
re-run. Peer in the same run: `json.load` of the file and a raw sqlite3 `executemany` of the same rows
(title, geometry, time interval, categories) into a bare table, one transaction, same measure.

    .venv/bin/python benchmarks/bench_import_incidents.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DATA = ROOT / "src/safepassage/demo/data/un.geojson"
ARGS = ["--set", "category=damage_observed", "--map", "time=SensorDa_2", "--map",
        "description=SiteID,Main_Dam_2,SensorID_3", "--source", "UNITAR-UNOSAT via CSR", "--json"]
PEER = r"""
import json, sqlite3, sys
from datetime import datetime, timedelta, UTC
rows = []
for f in json.load(open(sys.argv[1], encoding="utf-8"))["features"]:
    p = f["properties"]
    day = datetime.strptime(p["SensorDa_2"], "%Y/%m/%d").replace(tzinfo=UTC)
    rows.append(("damage observed", json.dumps(f["geometry"]), day.isoformat(),
                 (day + timedelta(days=1, microseconds=-1)).isoformat(), '["damage_observed"]',
                 f"SiteID: {p['SiteID']}; Main_Dam_2: {p['Main_Dam_2']}"))
db = sqlite3.connect(sys.argv[2])
db.execute("create table t (id integer primary key, title, geometry, earliest, latest, categories, description)")
with db:
    db.executemany("insert into t (title, geometry, earliest, latest, categories, description) "
                   "values (?, ?, ?, ?, ?, ?)", rows)
print(len(rows))
"""


def timed(cmd: list[str], env: dict) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS in MB, stdout and CPU seconds (user + system) of one command under /usr/bin/time -v."""
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, capture_output=True, text=True, check=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    h, m, s = wall.groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", r.stderr).group(1)) for k in ("User", "System"))
    return int(h or 0) * 3600 + int(m) * 60 + float(s), rss / 1024, r.stdout, cpu


def main() -> int:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SAFEPASSAGE_DATA_DIR": tmp, "SAFEPASSAGE_SQLITE": f"{tmp}/db.sqlite3",
               "SAFEPASSAGE_SECRET_KEY": "bench-only", "PYTHONPATH": str(ROOT / "src")}
        env.pop("DATABASE_URL", None)
        sp = str(VENV_BIN / "safepassage")
        subprocess.run([sp, "migrate", "-v0"], env=env, check=True)
        subprocess.run([sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                        "'safepassage.settings'); django.setup(); from safepassage.demo.loader import load_places; "
                        "load_places(log=lambda m: None)"], env=env, check=True)
        first = timed([sp, "import", "incidents", str(DATA), *ARGS], env)
        again = timed([sp, "import", "incidents", str(DATA), *ARGS], env)
        peer = timed([sys.executable, "-c", PEER, str(DATA), f"{tmp}/peer.sqlite3"], env)
    import json

    report = json.loads(first[2])
    print(f"load average {load:.1f}; {report['features']} features, {report['created']} created, "
          f"{sum(report['by_area'].values())} in {len(report['by_area'])} areas, {report['outside_areas']} outside")
    for name, (wall, rss, _, cpu) in (("import (creates)", first), ("re-run (unchanged)", again)):
        print(f"{name:20s} {wall:6.2f} s (CPU {cpu:5.2f} s)  {rss:6.1f} MB   goal ≤ 10 s, ≤ 300 MB   "
              f"{'MET' if wall <= 10 and rss <= 300 else 'NOT MET'}")
    print(f"peer: json.load + sqlite3 executemany  {peer[0]:6.2f} s (CPU {peer[3]:5.2f} s)  {peer[1]:6.1f} MB  "
          f"→ import/peer {first[0] / peer[0]:.1f}× time, {first[3] / peer[3]:.1f}× CPU")
    print(f"re-run: {json.loads(again[2])['unchanged']} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
