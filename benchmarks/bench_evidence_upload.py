"""Evidence upload of a 200 MB file through the real server, by the API and by the record page (issue #18).

Goal: hashed and stored at >= 100 MB/s, memory flat (no whole-file reads). The server is `safepassage serve`
as deployed (gunicorn, here one worker so that its memory is the upload's) on a fresh SQLite database. Each
run uploads a file of N MB (random bytes, a different first block per run, so every run stores a new object):

- API: `POST /api/incidents/{id}/evidence` (multipart `file` + `why`, bearer token), sent from disk in 1 MiB
  blocks with its Content-Length; the answer's SHA-256 must equal `sha256sum`'s.
- page: `POST /incidents/new/` as a signed-in monitor (session, CSRF, the form's client_uuid): a new incident
  with its first source and the file; answered with a redirect to the incident.

Throughput is N MB over the wall time from the first byte sent to the answer read. Memory: the worker's
resident set before the run and its high-water mark after (/proc VmRSS, VmHWM); flat means the growth is a
small fraction of the file. Peers in the same run, same file: `sha256sum FILE` followed by `cp FILE` into the
storage directory (what the server must do at least: read, hash, write), and hashlib over the file.

    .venv/bin/python benchmarks/bench_evidence_upload.py [--mb 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import Database, Server, free_port, loadavg  # noqa: E402

BLOCK = 1 << 20
PASSWORD = "bench monitor password 1"


def setup_objects() -> None:
    """A monitor who signs in with a password, and an incident to link files to; print them as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    import django

    django.setup()
    from safepassage.accounts import services as accounts
    from safepassage.core.permissions import Role
    from safepassage.core.principal import Principal
    from safepassage.incidents import services as incidents

    system = Principal(user=None, role=Role.ADMIN, via="benchmark")
    accounts.create_user(username="bench_monitor", role=Role.MONITOR, password=PASSWORD, by=system)
    incident = incidents.record_incident(title="Bench incident", categories=["other"], by=system)
    print(json.dumps({"incident": incident.pk}))


def make_file(path: Path, mb: int) -> None:
    with open(path, "wb") as f:
        for _ in range(mb):
            f.write(os.urandom(BLOCK))


def mark(path: Path, run: str) -> str:
    """Give the file a first block of its own for this run; return its SHA-256 as `sha256sum` says."""
    with open(path, "r+b") as f:
        f.write(hashlib.sha256(run.encode()).digest() * (BLOCK // 32))
    return subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


def memory(pid: int) -> dict[str, float]:
    """The process's resident set now and its high-water mark, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) / 1024 for k in ("VmRSS", "VmHWM")}


def post_multipart(port: int, path: str, fields: dict[str, str], file: Path, headers: dict[str, str]):
    """Stream a multipart/form-data body (the fields, then the file from disk); return status, headers, body."""
    boundary = uuid.uuid4().hex
    head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file.name}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", path)
    for k, v in {**headers, "Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Content-Length": str(len(head) + file.stat().st_size + len(tail))}.items():
        conn.putheader(k, v)
    conn.endheaders()
    conn.send(head)
    with open(file, "rb") as f:
        while block := f.read(BLOCK):
            conn.send(block)
    conn.send(tail)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def cookies_of(headers: list[tuple[str, str]], jar: dict[str, str]) -> dict[str, str]:
    for k, v in headers:
        if k.lower() == "set-cookie":
            name, value = v.split(";", 1)[0].split("=", 1)
            jar[name] = value
    return jar


def request(port: int, method: str, path: str, jar: dict[str, str], body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    text = r.read().decode()
    cookies_of(r.getheaders(), jar)
    conn.close()
    return r.status, text


def sign_in(port: int) -> dict[str, str]:
    """A monitor's session through the sign-in page (CSRF cookie and token, then the password)."""
    jar: dict[str, str] = {}
    _, page = request(port, "GET", "/login/", jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, _ = request(port, "POST", "/login/", jar, urlencode(
        {"csrfmiddlewaretoken": token, "username": "bench_monitor", "password": PASSWORD, "next": "/"}))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"sign-in failed ({status})")
    return jar


def upload_api(port: int, token: str, incident: int, file: Path) -> tuple[float, str]:
    start = time.perf_counter()
    status, _, body = post_multipart(port, f"/api/incidents/{incident}/evidence",
                                     {"why": "benchmark upload", "note": "bench"}, file,
                                     {"Authorization": f"Bearer {token}"})
    wall = time.perf_counter() - start
    if status != 201:
        raise RuntimeError(f"API upload answered {status}: {body[:300]!r}")
    return wall, json.loads(body)["sha256"]


def upload_page(port: int, jar: dict[str, str], file: Path) -> float:
    _, form = request(port, "GET", "/incidents/new/", jar)
    fields = {"csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1),
              "client_uuid": re.search(r'name="client_uuid" value="([^"]+)"', form).group(1),
              "title": "Bench upload by the page", "categories": "other", "time_precision": "unknown",
              "source_kind": "monitor", "source_name": "bench", "source_connection": "reporter",
              "source_statement": "a large file", "why": "benchmark upload"}
    start = time.perf_counter()
    status, headers, body = post_multipart(port, "/incidents/new/", fields, file,
                                           {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    wall = time.perf_counter() - start
    if status != 302 or "/incidents/" not in headers.get("Location", ""):
        raise RuntimeError(f"page upload answered {status}: {body[:300]!r}")
    return wall


DRAIN_APP = """
def app(environ, start_response):
    body, left = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
    while left > 0:
        left -= len(body.read(min(left, 65536)) or b"x" * left)
    start_response("201 Created", [("Content-Type", "text/plain")])
    return [b"drained"]
"""


def drain_seconds(tmp: str, file: Path) -> float:
    """The same upload to a bare WSGI app under gunicorn (gthread) that only reads the body: the server's floor."""
    Path(tmp, "drain_app.py").write_text(DRAIN_APP)
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--chdir", tmp, "--bind",
                             f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread", "--threads", "4",
                             "drain_app:app"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.1)
        start = time.perf_counter()
        status, _, _ = post_multipart(port, "/", {"why": "peer"}, file, {})
        if status != 201:
            raise RuntimeError(f"the drain app answered {status}")
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(15)


class _Body(io.RawIOBase):
    """A multipart body read from disk: the one field `file`, boundary BOUNDARY."""

    BOUNDARY = uuid.uuid4().hex
    HEAD = b"--" + BOUNDARY.encode() + b'\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
    TAIL = b"\r\n--" + BOUNDARY.encode() + b"--\r\n"

    def __init__(self, path: str):
        self.parts = [io.BytesIO(self.HEAD), open(path, "rb"), io.BytesIO(self.TAIL)]  # noqa: SIM115 - read to the end

    def read(self, n: int = -1) -> bytes:
        while self.parts:
            if data := self.parts[0].read(n):
                return data
            self.parts.pop(0).close()
        return b""


def parse_only(path: str) -> None:
    """Print the seconds Django's MultiPartParser with the hashing handler takes over the body (no socket)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepassage.settings")
    import django

    django.setup()
    from django.http.multipartparser import MultiPartParser

    from safepassage.incidents.evidence import HashingUploadHandler

    length = os.path.getsize(path) + len(_Body.HEAD) + len(_Body.TAIL)
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={_Body.BOUNDARY}", "CONTENT_LENGTH": str(length)}
    start = time.perf_counter()
    MultiPartParser(meta, _Body(path), [HashingUploadHandler(None)]).parse()[1]["file"].close()
    print(time.perf_counter() - start)


def parse_seconds(env: dict, file: Path) -> float:
    out = subprocess.run([sys.executable, __file__, "--parse", str(file)], env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the parse peer failed: {out.stderr[-2000:]}")
    return float(out.stdout.split()[-1])


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def hashlib_seconds(file: Path) -> float:
    start = time.perf_counter()
    sha = hashlib.sha256()
    with open(file, "rb") as f:
        while block := f.read(BLOCK):
            sha.update(block)
    return time.perf_counter() - start


def main() -> int:
    if "--setup" in sys.argv:
        setup_objects()
        return 0
    if "--parse" in sys.argv:
        parse_only(sys.argv[-1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {loadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database("sqlite", tmp)
        db.create()
        db.objects.update(json.loads(subprocess.run([sys.executable, __file__, "--setup"], env=db.env, check=True,
                                                    capture_output=True, text=True).stdout.strip().splitlines()[-1]))
        server = Server(db, 1, threads=4)
        file, copy = Path(tmp) / "evidence.bin", Path(tmp) / "media" / "peer-copy.bin"
        copy.parent.mkdir(exist_ok=True)
        make_file(file, args.mb)
        results: dict[str, list[float]] = {"api": [], "page": [], "peer": [], "hashlib": [], "drain": [],
                                           "parse": []}
        growth: dict[str, list[float]] = {"api": [], "page": []}
        try:
            server.start()
            worker = server.pids()[1]
            jar = sign_in(server.port)
            for run in range(args.runs):
                for way in ("api", "page"):
                    expected = mark(file, f"{way}-{run}")
                    before = memory(worker)
                    if way == "api":
                        wall, sha = upload_api(server.port, db.objects["token"], db.objects["incident"], file)
                        if sha != expected:
                            raise RuntimeError(f"the server's SHA-256 {sha} is not sha256sum's {expected}")
                    else:
                        wall = upload_page(server.port, jar, file)
                    after = memory(worker)
                    results[way].append(wall)
                    growth[way].append(after["VmHWM"] - before["VmRSS"])
                    print(f"  run {run + 1} {way:4s}: {args.mb / wall:6.1f} MB/s ({wall:.2f} s); worker RSS "
                          f"{before['VmRSS']:.0f} MB before, high-water {after['VmHWM']:.0f} MB after")
                results["peer"].append(timed(["sha256sum", str(file)]) + timed(["cp", str(file), str(copy)]))
                results["hashlib"].append(hashlib_seconds(file))
                results["drain"].append(drain_seconds(tmp, file))
                results["parse"].append(parse_seconds(db.env, file))
                copy.unlink()
            stored = subprocess.run(["du", "-sm", str(Path(tmp) / "media" / "evidence")], capture_output=True,
                                    text=True).stdout.split()[0]
        finally:
            server.stop()
    print(f"{args.mb} MB file, {args.runs} runs each, medians; {stored} MB stored under media/evidence")
    peer = args.mb / statistics.median(results["peer"])
    for way, label in (("api", "API  POST /api/incidents/{id}/evidence"), ("page", "page POST /incidents/new/")):
        rate = args.mb / statistics.median(results[way])
        print(f"{label}: {rate:6.1f} MB/s  goal >= 100 MB/s {'MET' if rate >= 100 else 'NOT MET'}; "
              f"worker memory growth max {max(growth[way]):.1f} MB ({max(growth[way]) / args.mb:.1%} of the file); "
              f"{rate / peer:.2f}x the peer")
    rate = {k: args.mb / statistics.median(results[k]) for k in ("hashlib", "drain", "parse")}
    print(f"peer: sha256sum + cp  {peer:6.1f} MB/s;  hashlib alone {rate['hashlib']:.1f} MB/s")
    print(f"peer: gunicorn (gthread) reading the same body into a bare WSGI app  {rate['drain']:6.1f} MB/s "
          "(the server's floor: it reads the socket 8 KiB at a time)")
    print(f"peer: Django's MultiPartParser + the hashing handler, body from disk  {rate['parse']:6.1f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
