"""Map load benchmark: the layer API and a rendered map in headless Chromium, on the real server.

Goal (issue #2): ≤ 300 ms for the layer API and ≤ 1.5 s to a rendered map, with all Aleppo
neighbourhoods (133 features, joined into 126 places) and 210 sites. Peers measured in the same
run: serving the raw neighbourhood GeoJSON as a static file (the floor for moving those bytes),
and the API's own health check (the floor for a request through the stack).

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


def timed_get(url: str, runs: int) -> tuple[float, int]:
    samples, size = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        with urllib.request.urlopen(url) as r:
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
            page.wait_for_function("document.body.dataset.layersLoaded === 'true' && "
                                   "document.querySelectorAll('.leaflet-overlay-pane path').length > 126")
            out.append((time.perf_counter() - t) * 1000)
            page.close()
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SAFEPASSAGE_DATA_DIR": tmp, "SAFEPASSAGE_DEBUG": "0",
               "SAFEPASSAGE_SECRET_KEY": "bench-only"}
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
