"""The count intake's own work, in instructions: repeatable whatever else the machine is doing (issue #5).

The ingest benchmark (`bench_ingest.py`) measures rates through the real server, but this machine's
speed varies by up to 2× within minutes, which hides changes of 10 % or less. Here the same work is
counted in machine instructions under valgrind's callgrind, which counts the same for the same code
and input (`PYTHONHASHSEED=0`), in-process, on a fresh SQLite or PostgreSQL database:

- request: one single submission through the WSGI application (`safepassage.wsgi`: Django, ninja, the
  token lookup, the group commit with a batch of one, the answer), as gunicorn would call it;
- batch: the shared transaction of the group commit for B single submissions (`_submit_together` in
  the write turn), as the leader runs it for B concurrent requests.

Each figure is the instructions of N iterations divided by N, read from the running process
(`callgrind_control -e Ir`) after 10 iterations of warm-up and again at the end, so start-up and
warm-up are left out. Instructions of the database server (PostgreSQL's own process) are not counted.

    .venv/bin/python benchmarks/bench_intake_work.py [--db sqlite|postgres|both] [--n 60] [--batch 6]

Needs valgrind (Debian package `valgrind`); without it, says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

WARM = 10
PHASE_TIMEOUT = 1800  # seconds for the warm-up or the measured iterations, under valgrind


def _child(mode: str, n: int, batch: int) -> None:
    """Run `n` iterations of `mode` in this process (under callgrind, started by `measure`)."""
    import io

    objects = json.loads(os.environ["INTAKE_OBJECTS"])
    from safepassage import wsgi

    seed = uuid.UUID(os.environ["INTAKE_SEED"])
    day = datetime(2015, 3, 1, tzinfo=UTC)

    def item(k: int) -> dict:
        return {"client_uuid": str(uuid.uuid5(seed, f"{mode}-{n}-{k}")), "checkpoint_id": objects["checkpoint_id"],
                "direction": "out", "bucket_start": (day + timedelta(minutes=5 * k)).isoformat(),
                "bucket_minutes": 5, "women": 3, "men": 2}

    if mode == "request":
        def run(k: int) -> None:
            body = json.dumps(item(k)).encode()
            environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/crossings/counts", "SCRIPT_NAME": "",
                       "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
                       "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
                       "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
                       "HTTP_AUTHORIZATION": f"Bearer {objects['token']}", "HTTP_HOST": "127.0.0.1:8000",
                       "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
                       "wsgi.run_once": False}
            status = []
            response = wsgi.application(environ, lambda s, h, e=None: status.append(s))
            b"".join(response)
            if hasattr(response, "close"):  # WSGI: only some answers have one (the intake lane's has not)
                response.close()
            if not status[0].startswith("201"):
                raise SystemExit(f"request {k}: {status[0]}")
    else:
        from safepassage.accounts.services import user_for_token
        from safepassage.core.groupcommit import serialised_writes
        from safepassage.core.principal import principal_for_user
        from safepassage.crossings import services

        by = principal_for_user(user_for_token(objects["token"]), via="token")

        def run(k: int) -> None:
            entries = []
            for j in range(batch):
                raw = item(k * batch + j)
                raw["bucket_start"] = datetime.fromisoformat(raw["bucket_start"])
                raw["counts"] = {"women": raw.pop("women"), "men": raw.pop("men")}
                entries.append((services._parse(raw), "api", by))
            with serialised_writes():
                results = services._submit_together(entries)
            if any(r.status != "stored" for r in results):
                raise SystemExit(f"batch {k}: {[r.status for r in results]}")

    for k in range(WARM):
        run(k)
    print("warm", flush=True)  # the parent reads the counters, then says go
    sys.stdin.readline()
    for k in range(WARM, WARM + n):
        run(k)
    print("done", flush=True)
    sys.stdin.readline()


def _counted(pid: int) -> int:
    """Instructions executed so far by the process running under callgrind (all its threads)."""
    out = subprocess.run(["callgrind_control", "-e", "Ir", str(pid)], capture_output=True, text=True,
                         timeout=120).stdout
    return sum(int(n.replace(",", "")) for n in re.findall(r"Th\s+\d+\s+([\d,]+)", out))


def _instructions(env: dict, mode: str, n: int, batch: int) -> float:
    """Instructions per iteration of `mode`, from the counters before and after n iterations."""
    with tempfile.TemporaryFile("w+") as errors:  # valgrind's and the child's messages, read on failure
        child = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
             "--child", mode, str(n), str(batch)],
            env={**env, "PYTHONHASHSEED": "0", "INTAKE_SEED": str(uuid.uuid4())}, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            counts = []
            for expected in ("warm", "done"):
                ready, _, _ = select.select([child.stdout], [], [], PHASE_TIMEOUT)
                line = child.stdout.readline().strip() if ready else "(nothing: timed out)"
                if line != expected:
                    errors.seek(0)
                    raise RuntimeError(f"{mode} under callgrind: expected {expected!r}, got {line!r}:\n"
                                       f"{errors.read()[-3000:]}")
                counts.append(_counted(child.pid))
                child.stdin.write("go\n")
                child.stdin.flush()
            child.wait(60)
            return (counts[1] - counts[0]) / n
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


def measure(kind: str, n: int, batch: int) -> dict:
    from bench_ingest import Database

    with tempfile.TemporaryDirectory() as tmp:
        try:
            db = Database(kind, tmp)
            env = {**db.env, "INTAKE_OBJECTS": json.dumps(db.objects)}
            out = {}
            for mode in ("request", "batch"):
                out[mode] = _instructions(env, mode, n, batch)
                print(f"  {kind:8s} {mode:7s}: {out[mode] / 1e6:6.3f} M instructions per "
                      f"{'submission' if mode == 'request' else f'batch of {batch}'}", flush=True)
            return out
        finally:
            if kind == "postgres":  # by name: also when the database was created but not set up
                Database.admin(f"DROP DATABASE IF EXISTS bench_safepassage_{os.getpid()} WITH (FORCE)")


def main() -> int:
    if "--child" in sys.argv:
        _, _, mode, n, batch = sys.argv
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
        _child(mode, int(n), int(batch))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=100, help="measured iterations (after 10 of warm-up)")
    parser.add_argument("--batch", type=int, default=6, help="submissions per batch (the benchmark's mean is 5-6)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_intake_work: valgrind is not installed (apt-get install valgrind); nothing measured")
        return 0
    print(f"bench_intake_work {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: instructions of the intake's own work "
          f"(callgrind, {args.n} iterations after {WARM})")
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        measure(kind, args.n, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
