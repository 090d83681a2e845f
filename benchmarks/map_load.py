"""Map load benchmark: the layer API and a rendered map in headless Chromium, on the real server.

Goal (issue #2): ≤ 300 ms for the layer API and ≤ 1.5 s to a rendered map, with all Aleppo
neighbourhoods (133 features, joined into 126 places) and 210 sites. Peers measured in the same
run: serving the raw neighbourhood GeoJSON as a static file (the floor for moving those bytes),
and the API's own health check (the floor for a request through the stack).

Goals (issue #18), signed in as the demo's monitor (who sees all 17,422 damage points): the incidents
layer request `GET /api/map/incidents` ≤ 300 ms; ≤ 1.5 s from navigation to an interactive map with
every point clustered; a pan or a zoom redrawn (clusters recomputed and painted) ≤ 100 ms.

    .venv/bin/python benchmarks/map_load.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_get(url: str, runs: int, token: str | None = None) -> tuple[float, int]:
    samples, size = [], 0
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(runs):
        t = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            size = len(r.read())
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), size


def render_times(base: str, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            t = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_function("() => document.body.dataset.layersLoaded === 'true' && "  # a function: CSP forbids eval
                                   "document.querySelectorAll('.leaflet-overlay-pane path').length > 126")
            out.append((time.perf_counter() - t) * 1000)
            page.close()
        browser.close()
    return out


def incident_times(base: str, username: str, password: str, runs: int) -> tuple[list[float], list[float]]:
    """Time to an interactive map with all incidents clustered, then pan and zoom redraws, signed in."""
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    loads, moves = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(base + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        for _ in range(runs):
            t = time.perf_counter()
            page.goto(base + "/")
            page.wait_for_function("() => document.body.dataset.layersLoaded === 'true' && "
                                   "document.body.dataset.incidentsLoaded === 'true' && "
                                   "document.querySelectorAll('.marker-cluster').length > 0", polling="raf")
            loads.append((time.perf_counter() - t) * 1000)
            shown = page.evaluate("() => window.safePassageMap.incidents.count")
            assert shown >= 17422, shown
            for step in ("panBy", "zoomIn", "panBy", "zoomOut"):
                moves.append(page.evaluate("""(step) => new Promise((done) => {
                    const m = window.safePassageMap.map, t = performance.now();
                    m.once('moveend', () => requestAnimationFrame(() => done(performance.now() - t)));
                    if (step === 'panBy') m.panBy([250, 120], {animate: false});
                    else if (step === 'zoomIn') m.setZoom(m.getZoom() + 1, {animate: false});
                    else m.setZoom(m.getZoom() - 1, {animate: false});
                })""", step))
        browser.close()
    return loads, moves


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SAFEPASSAGE_DATA_DIR": tmp, "SAFEPASSAGE_DEBUG": "0",
               "SAFEPASSAGE_SECRET_KEY": "bench-only", "PYTHONPATH": str(ROOT / "src")}
        env.pop("DATABASE_URL", None)
        sp = str(VENV_BIN / "safepassage")
        subprocess.run([sp, "migrate", "-v0"], env=env, check=True)
        subprocess.run([sp, "demo", "load"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([sp, "serve", "--port", str(port), "--workers", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            timed_get(base + "/api/map/layers", 3)  # warm-up
            layers_ms, layers_bytes = timed_get(base + "/api/map/layers", args.runs)
            static_ms, static_bytes = timed_get(base + "/static/vendor/leaflet/leaflet.js", args.runs)
            health_ms, _ = timed_get(base + "/healthz", args.runs)
            renders = render_times(base, max(5, args.runs // 3))
            creds = dict(line.split(": ", 1) for line in Path(tmp, "demo-credentials.txt").read_text().splitlines()
                         if ": " in line and not line.startswith("#"))
            token = subprocess.run([sp, "token", "issue", "monitor"], env=env, check=True, capture_output=True,
                                   text=True).stdout.strip()
            incidents_ms, incidents_bytes = timed_get(base + "/api/map/incidents", max(5, args.runs // 2),
                                                      token=token)
            loads, moves = incident_times(base, "monitor", creds["monitor"], max(5, args.runs // 4))
        finally:
            server.terminate()
            server.wait(10)
    render_ms = statistics.median(renders)
    print(f"map layer API  median {layers_ms:7.1f} ms  ({layers_bytes / 1e3:.0f} kB)   goal ≤ 300 ms   "
          f"{'MET' if layers_ms <= 300 else 'NOT MET'}")
    print(f"  peer: static file ({static_bytes / 1e3:.0f} kB) {static_ms:.1f} ms  → ratio {layers_ms / static_ms:.1f}×")
    print(f"  peer: health check          {health_ms:.1f} ms  → ratio {layers_ms / health_ms:.1f}×")
    print(f"rendered map   median {render_ms:7.1f} ms  (min {min(renders):.0f}, max {max(renders):.0f}, "
          f"n={len(renders)})   goal ≤ 1500 ms   {'MET' if render_ms <= 1500 else 'NOT MET'}")
    inc_ms, load_ms, move_ms = incidents_ms, statistics.median(loads), statistics.median(moves)
    print(f"incidents API  median {inc_ms:7.1f} ms  ({incidents_bytes / 1e3:.0f} kB, 17,422 points)   goal ≤ 300 ms   "
          f"{'MET' if inc_ms <= 300 else 'NOT MET'}   peer: map layer API {layers_ms:.1f} ms")
    print(f"interactive map with all incidents clustered  median {load_ms:7.1f} ms  (min {min(loads):.0f}, "
          f"max {max(loads):.0f}, n={len(loads)})   goal ≤ 1500 ms   {'MET' if load_ms <= 1500 else 'NOT MET'}")
    print(f"pan/zoom redrawn  median {move_ms:6.1f} ms  (max {max(moves):.0f}, n={len(moves)})   goal ≤ 100 ms   "
          f"{'MET' if move_ms <= 100 else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
