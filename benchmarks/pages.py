"""Time the pages and the geocoder over loopback, and the map page against issue 11's targets.

    python benchmarks/pages.py [--requests 200] [--seconds 10] [--runs 5]

Loads data/coventry.geojson (and the Code-Point extract in ../shared/data when present) into a
database `locator_bench_pages` in the private cluster (or LOCATOR_BENCH_DATABASE_URL), serves the
app with `locator serve` on a free port, then sends sequential GETs from one client and prints
p50, p95 and max per URL, plus the response size. Client time includes loopback and the HTTP
client, so it bounds the server's time from above.

Then the map page's targets (figures printed beside them; these are measurements, not tests):
1. First result on screen for `/?q=CV1 1FY` on slow 3G: Debian Chromium (Playwright) with
   Chrome DevTools throttling, 400 ms latency, 400 kbit/s each way, CPU 4x slower, an empty
   cache; the time the first listed result is painted (Element Timing), median of `--runs`.
   Target < 1.5 s. The list page's first paint is printed beside it.
2. Throughput: wrk, 16 connections, `--seconds` each, the map page `/?q=CV1+1FY` and the list
   page `/nearest?q=CV1+1FY` taken in turn twice. Target: map >= 0.5x the list.
3. `/healthz` p99 (wrk, two connections, paced at about 100 a second) idle, then while the map
   page is under load: paced (about 100 map pages a second, 4 connections) and saturating
   (16 connections, as many as the server serves), and under the list page's saturating load
   for comparison. Target: within 2x the idle p99.
wrk and PostgreSQL share this machine's cores with the app, so figures move with other load.

Then the same at national scale: 20,000 synthetic facilities over Great Britain in
`locator_bench_pages_national` (or LOCATOR_BENCH_NATIONAL_DATABASE_URL), made once and kept,
with the first-load bytes of `/` (HTML plus its own JS and CSS, uncompressed; the vendored
Leaflet files are left out, being cached) and the map's pins for Great Britain and for Coventry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from nearest import run_wrk  # noqa: E402

from locator.store import connection as db  # noqa: E402
from locator.store import synth  # noqa: E402

LOCATOR = str(ROOT / ".venv" / "bin" / "locator")
CODEPOINT = ROOT.parent / "shared" / "data" / "codepoint-open-2014-cv.csv"
URLS = [
    "/",
    "/?q=CV1+1FY",
    "/nearest?q=CV1+1FY",
    "/nearest?q=CV1+1FY&ceiling_hoist=on",
    "/facilities/central-library",
    "/api/v1/geocode?q=cv56jq",
]
MAP_SEARCH = "/?q=CV1+1FY"
LIST_SEARCH = "/nearest?q=CV1+1FY"
CHROMIUM = Path("/usr/bin/chromium")
# Issue 11's slow 3G: 400 ms latency, 400 kbit/s each way, CPU 4x slower.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
           "uploadThroughput": 400_000 / 8}  # fmt: skip
CPU_SLOWDOWN = 4
FIRST_RESULT_TARGET_MS = 1500
THROUGHPUT_TARGET = 0.5
HEALTHZ_TARGET = 2.0
# Records when the map page's first listed result (elementtiming="first-result") is painted.
ELEMENT_TIMING = """
window.__firstResult = null;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (entry.identifier === 'first-result') { window.__firstResult = entry.renderTime; }
  }
}).observe({type: 'element', buffered: true});
"""
FIRST_PAINT = (
    "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: null}).startTime"
)
NATIONAL = 20_000
NATIONAL_URLS = [
    "/",
    "/?q=CV1+1FY",
    "/map/pins?bbox=-8,49.8,2,60",
    "/map/pins?bbox=-1.65,52.35,-1.40,52.47",
    "/nearest?q=CV1+1FY",
    "/facilities/synth-0000001",
]


def prepare(env: dict[str, str]) -> None:
    """Migrate and load the Coventry facilities (and postcodes, if the extract is here)."""
    for args in (["db", "upgrade"], ["load", "data/coventry.geojson"]):
        subprocess.run([LOCATOR, *args], env=env, cwd=ROOT, check=True, capture_output=True)
    if CODEPOINT.exists():
        subprocess.run(
            [LOCATOR, "postcodes", "import", str(CODEPOINT)],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip


async def _synthesise(url: str) -> None:
    """Top the database up to NATIONAL synthetic facilities (once; later runs reuse them)."""
    async with db.connect(url) as conn:
        have = int(await conn.fetchval("SELECT count(*) FROM facilities"))
        if have < NATIONAL:
            await synth.synthesise(conn, NATIONAL - have)


def database(name: str, variable: str) -> str:
    """The database named by `variable`, else `name` in the private cluster."""
    return (
        os.environ.get(variable)
        or subprocess.run(
            [LOCATOR, "devdb", "url", name], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    )


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "LOCATOR_DATABASE_URL": url, "LOCATOR_RATE_LIMIT_PER_MINUTE": "0",
            "LOCATOR_LOG_LEVEL": "warning"}  # fmt: skip


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`locator serve` on a free port until the block ends; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([LOCATOR, "serve", "--port", str(port)], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def serve_and_time(env: dict[str, str], urls: list[str], requests: int, national: bool) -> None:
    """Serve the app on a free port, time each URL and print a table."""
    with serving(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        if national:
            print(f"first load of / with {NATIONAL:,} facilities: {first_load(client)}")
        print(f"{'URL':40} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'bytes':>7}")
        for path in urls:
            for _ in range(20):
                client.get(path)
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(path, headers={"Accept-Encoding": "identity"})
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            print(f"{path:40} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f}"
                  f" {len(response.content):7d}")  # fmt: skip


def first_result_on_slow_3g(base: str, runs: int) -> None:
    """Issue 11's slow-3G phone: when the map page's first result is painted, and the list
    page's first paint, each from an empty cache, in Debian Chromium."""
    if not CHROMIUM.exists():
        print(f"slow 3G: skipped, no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright

    firsts, list_paints = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        for _ in range(runs):
            firsts.append(_slow_visit(browser, base + MAP_SEARCH, "window.__firstResult"))
            list_paints.append(_slow_visit(browser, base + LIST_SEARCH, FIRST_PAINT))
        browser.close()
    median = statistics.median(firsts)
    verdict = "met" if median < FIRST_RESULT_TARGET_MS else "NOT met"
    print(
        f"slow 3G, first result on screen for {MAP_SEARCH}: median {median:.0f} ms "
        f"(runs {', '.join(f'{t:.0f}' for t in firsts)}); target < {FIRST_RESULT_TARGET_MS} ms:"
        f" {verdict}"
    )
    print(
        f"slow 3G, first paint of {LIST_SEARCH} (for comparison): median "
        f"{statistics.median(list_paints):.0f} ms"
    )


def _slow_visit(browser: Any, url: str, measure: str) -> float:
    """Milliseconds from navigation to what `measure` (a JS expression) reads, throttled."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("http://127.0.0.1")
            else route.fulfill(status=200, content_type="image/png", body=b"")
        ),
    )  # tiles: blank, at once (the target is the list, not the map)
    context.add_init_script(ELEMENT_TIMING)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url, wait_until="commit")
    page.wait_for_function(f"{measure} !== null", timeout=60_000)
    value = float(page.evaluate(measure))
    context.close()
    return value


def throughput(base: str, seconds: int, script: str) -> None:
    """The map page's throughput against the list page's, taken in turn twice."""
    rates: dict[str, list[float]] = {MAP_SEARCH: [], LIST_SEARCH: []}
    print(f"{'throughput (wrk, 16 connections)':40} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}")
    for _ in range(2):
        for path in rates:
            figures = run_wrk(base + path, script, seconds, 16)
            rates[path].append(figures["rate"])
            print(f"{path:40} {figures['rate']:8.0f} {figures['p50']:7.1f} {figures['p99']:7.1f}")
    ratio = statistics.mean(rates[MAP_SEARCH]) / statistics.mean(rates[LIST_SEARCH])
    verdict = "met" if ratio >= THROUGHPUT_TARGET else "NOT met"
    print(f"map page throughput: {ratio:.2f}x the list page's; target >= {THROUGHPUT_TARGET}x:"
          f" {verdict}")  # fmt: skip


def healthz_under_load(base: str, seconds: int, scripts: dict[str, str]) -> None:
    """/healthz p99, paced, idle and while wrk loads the map page (paced, then saturating)."""
    idle = run_wrk(base + "/healthz", scripts["paced_healthz"], seconds, 2)
    print(f"/healthz idle: p50 {idle['p50']:.2f} ms, p99 {idle['p99']:.2f} ms")
    for label, path, script, connections in [
        ("paced map load, about 100 pages/s", MAP_SEARCH, scripts["paced_map"], 4),
        ("saturating map load, 16 connections", MAP_SEARCH, scripts["plain"], 16),
        ("saturating list load (for comparison)", LIST_SEARCH, scripts["plain"], 16),
    ]:
        # The load outlasts the measurement (and its 2 s warm-up) on both sides.
        load = subprocess.Popen(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds + 5}s", "-s", script, base + path],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1)
        busy = run_wrk(base + "/healthz", scripts["paced_healthz"], seconds, 2)
        out, _ = load.communicate()
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
        ratio = busy["p99"] / idle["p99"]
        verdict = (
            ""
            if path != MAP_SEARCH
            else (
                f"; target <= {HEALTHZ_TARGET}x: {'met' if ratio <= HEALTHZ_TARGET else 'NOT met'}"
            )
        )
        print(
            f"/healthz under {label} ({float(rate.group(1)) if rate else 0:.0f} pages/s): "
            f"p50 {busy['p50']:.2f} ms, p99 {busy['p99']:.2f} ms = {ratio:.1f}x idle{verdict}"
        )


def wrk_scripts(folder: Path) -> dict[str, str]:
    """wrk scripts: plain GETs, and GETs paced by a pause after each (per connection)."""
    scripts = {
        "plain": "-- plain GETs\n",
        "paced_healthz": "function delay() return 20 end\n",  # about 100/s on two connections
        "paced_map": "function delay() return 36 end\n",  # about 100/s on four
    }
    for name, body in scripts.items():
        (folder / f"{name}.lua").write_text(body)
    return {name: str(folder / f"{name}.lua") for name in scripts}


def map_targets(env: dict[str, str], seconds: int, runs: int) -> None:
    """Issue 11's map-page targets, each printed beside its figure."""
    with serving(env) as base:
        for _ in range(20):
            httpx.get(base + MAP_SEARCH)
        first_result_on_slow_3g(base, runs)
        if shutil.which("wrk") is None:
            print("throughput and /healthz: skipped, wrk is not installed (make bench adds it)")
            return
        with tempfile.TemporaryDirectory() as tmp:
            scripts = wrk_scripts(Path(tmp))
            throughput(base, seconds, scripts["plain"])
            healthz_under_load(base, seconds, scripts)


def first_load(client: httpx.Client) -> str:
    """Bytes of `/` and of its own scripts and style sheets (not /static/vendor), those the map's
    script loads included, uncompressed."""
    identity = {"Accept-Encoding": "identity"}
    html = client.get("/", headers=identity)
    assets = set(re.findall(r'<script[^>]+src="(/static/[^"]+)"', html.text))
    assets |= set(re.findall(r'<link[^>]+href="(/static/[^"]+\.css[^"]*)"', html.text))
    data = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html.text)
    if data:
        assets |= {url for urls in json.loads(data.group(1))["assets"].values() for url in urls}
    own = sorted(a for a in assets if not a.startswith("/static/vendor/"))
    sizes = [len(client.get(a, headers=identity).content) for a in own]
    total = len(html.content) + sum(sizes)
    names = ", ".join(a.split("?")[0] for a in own)
    return f"{total:,} bytes (HTML {len(html.content):,}, {names} {sum(sizes):,})"


def main() -> None:
    """Serve, warm up, time each URL, print a table, then the map page's targets: Coventry;
    then the table at national scale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10, help="each wrk measurement")
    parser.add_argument("--runs", type=int, default=5, help="slow-3G page loads")
    options = parser.parse_args()
    requests = options.requests
    env = environment(database("locator_bench_pages", "LOCATOR_BENCH_DATABASE_URL"))
    prepare(env)
    serve_and_time(env, URLS, requests, national=False)
    map_targets(env, options.seconds, options.runs)
    url = database("locator_bench_pages_national", "LOCATOR_BENCH_NATIONAL_DATABASE_URL")
    env = environment(url)
    subprocess.run([LOCATOR, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    asyncio.run(_synthesise(url))
    serve_and_time(env, NATIONAL_URLS, max(requests // 4, 10), national=True)


if __name__ == "__main__":
    sys.exit(main())
