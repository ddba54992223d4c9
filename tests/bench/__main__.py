"""make bench: the bridge measured against WordPress doing the same work, on this machine, in this run.

It prints figures, never asserts them. Runs on the test stack (started if needed,
left as it was found). WHIEDA_BENCH_N sets the requests per measurement; WHIEDA_BENCH_ONLY=reports
runs only the sections whose names contain it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from tests.stack import Stack
from tests.bench.capacity import bench_capacity
from tests.bench.meta_reads import bench_meta_reads
from tests.bench.reports import bench_reports
from tests.bench.viewer import bench_viewer_progress

N = int(os.environ.get("WHIEDA_BENCH_N", "400"))
PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "bench", "completed_at": 1767229200}
WORKER_LOG = Path("/tmp/whieda-bench-worker.log")
OUTBOX_LOG = Path("/tmp/whieda-bench-outbox.log")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def p50_p99(values: list[float]) -> tuple[float, float]:
    return percentile(values, 50), percentile(values, 99)


class Page:
    """Fires hooks through real page requests (the test probe), one at a time, on a kept-alive connection."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.session = requests.Session()
        self.session.headers["X-Whieda-Probe"] = stack.secrets["probe_token"]

    def fire(self, hook: str, worker_log: bool = False, hooks: int = 1) -> tuple[float, float]:
        """Returns (page latency ms as the visitor sees it, time inside do_action ms); the page fires
        ``hooks`` calls of ``hook``."""
        url = f"{self.stack.site_url}/?whieda_probe=fire" + ("&worker_log=1" if worker_log else "")
        more = [{"hook": hook, "args": [PAYLOAD]}] * (hooks - 1)
        started = time.perf_counter()
        answer = self.session.post(url, json={"hook": hook, "args": [PAYLOAD], "more": more}, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        answer.raise_for_status()
        return elapsed, answer.json()["do_action_ms"]


def interleaved(page: Page, hooks: dict[str, str], n: int) -> dict[str, dict[str, list[float]]]:
    """Alternate the hooks request by request, so drift on the machine hits both alike."""
    results = {name: {"page": [], "do_action": []} for name in hooks}
    for _ in range(n):
        for name, hook in hooks.items():
            latency, inside = page.fire(hook)
            results[name]["page"].append(latency)
            results[name]["do_action"].append(inside)
    return results


def worker_times(page: Page, kinds: list[tuple[str, int]], n: int) -> tuple[dict, list[float]]:
    """php-fpm worker time of pages firing (hook, calls) for each of ``kinds``, ``n`` pages each, one page
    at a time, alternating: (whole request, the plugin's shutdown work) each; and the time of each request
    the sidecar's pull made meanwhile (the outbox route)."""
    WORKER_LOG.unlink(missing_ok=True)
    OUTBOX_LOG.unlink(missing_ok=True)
    for _ in range(n):
        for hook, hooks in kinds:
            page.fire(hook, worker_log=True, hooks=hooks)
    settle(page.stack)
    times: dict = {kind: ([], []) for kind in kinds}
    for line in WORKER_LOG.read_text().splitlines():
        label, total, flush = line.split()
        hook, hooks = label.rsplit(":", 1)
        times[(hook, int(hooks))][0].append(float(total))
        times[(hook, int(hooks))][1].append(float(flush))
    pulls = [float(line) for line in OUTBOX_LOG.read_text().split()] if OUTBOX_LOG.exists() else []
    return times, pulls


def settle(stack: Stack, limit: float = 30) -> None:
    """Until the outbox is empty (the sidecar has pulled every call) and the last shutdown is over."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('whieda_outbox')}")[0]["n"]:
        time.sleep(0.1)
    time.sleep(1)


def row(label: str, values: list[float], baseline: list[float] | None = None, goal: str = "") -> str:
    p50, p99 = p50_p99(values)
    text = f"  {label:<62} {p50:8.2f} {p99:8.2f}"
    if baseline is not None:
        b50, b99 = p50_p99(baseline)
        text += f"   added {p50 - b50:+6.2f} / {p99 - b99:+6.2f}"
    return text + (f"   {goal}" if goal else "")


def reset_bridge(stack: Stack) -> None:
    stack.sql(f"DELETE FROM {stack.table('whieda_outbox')}")
    stack.wp_eval("delete_option( 'whieda_breaker' ); delete_option( 'whieda_outbox_backlog' ); return true;")


def bench_forwarding(stack: Stack) -> None:
    page = Page(stack)
    forwarded, noop = "client_webinar_completed", "whieda_bench_no_listener"
    for _ in range(30):  # warm php-fpm, opcache, connections
        page.fire(forwarded), page.fire(noop)
    settle(stack)

    up = interleaved(page, {"noop": noop, "forwarded": forwarded}, N)
    settle(stack)
    stack.wp_eval("update_option( 'whieda_test_outbox_log', 1 ); return true;")
    try:
        work, pulls = {}, {}
        for hooks in (1, 10):
            times, pulls[hooks] = worker_times(page, [(noop, hooks), (forwarded, hooks)], N // 2)
            work.update(times)
    finally:
        stack.wp_eval("delete_option( 'whieda_test_outbox_log' ); return true;")

    stack.stop("sidecar")
    stack.wp_eval("update_option( 'whieda_breaker', array( 'failures' => 3, 'open_until' => time() + 3600 ) );"
                  " return true;")
    try:
        down = interleaved(page, {"noop": noop, "forwarded": forwarded}, N)
    finally:
        reset_bridge(stack)
        stack.start_sidecar()

    print(f"\nForwarding do_action ({forwarded}) vs the same do_action with no listener, "
          f"{N} page requests each, interleaved (worker time: {N // 2} pages each, one at a time); milliseconds")
    print(f"  {'':<62} {'p50':>8} {'p99':>8}")
    print(row("page latency, hook with no listener (WordPress alone)", up["noop"]["page"]))
    print(row("page latency, forwarded hook, sidecar up", up["forwarded"]["page"], up["noop"]["page"],
              "goal: added <= 1 p50, <= 2 p99"))
    print(row("page latency, forwarded hook, sidecar down (breaker open)", down["forwarded"]["page"],
              down["noop"]["page"], "goal: added <= 1 p99"))
    print(row("inside do_action, forwarded (the listener noting the call)", up["forwarded"]["do_action"]))
    for hooks in (1, 10):
        (base, _), (mine, shutdown) = work[(noop, hooks)], work[(forwarded, hooks)]
        label = "1 hook" if hooks == 1 else f"{hooks} hooks"
        print(row(f"php-fpm worker time, page firing {label} with no listener", base))
        print(row(f"php-fpm worker time, page forwarding {label}", mine, base, "goal: added <= 2 p50, <= 4 p99"))
        print(row("  of which the plugin's shutdown work (outbox write, wake-up)", shutdown))
        calls = len(mine) * hooks
        print(f"  {'  then the sidecar pulls them (outbox route requests)':<62} {len(pulls[hooks]):>8d} requests,"
              f" {sum(pulls[hooks]):.0f} ms of php-fpm in all: {sum(pulls[hooks]) / max(calls, 1):.2f} ms per call,"
              f" {calls / max(len(pulls[hooks]), 1):.1f} calls per request")


def wrk(url: str, seconds: int, headers: dict | None = None) -> float:
    """Requests per second that wrk (2 threads, 32 connections) gets from ``url``; non-2xx/3xx counts as failure."""
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    done = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", *extra, url], capture_output=True, text=True,
                          check=True)
    if "Non-2xx or 3xx responses" in done.stdout:
        raise SystemExit(f"wrk got errors from {url}:\n{done.stdout}")
    return float(done.stdout.split("Requests/sec:")[1].split()[0])


def bench_room_state(stack: Stack) -> None:
    """Room state reads: the fast path (sidecar, memcached) against WordPress's REST route, same run."""
    seconds = int(os.environ.get("WHIEDA_BENCH_WRK_SEC", "5"))
    webinar = stack.wp_eval(
        "$id = wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' => 'publish',"
        " 'post_title' => 'bench' ) ); update_post_meta( $id, 'stream_type', 'obs' );"
        " do_action( 'core_webinar_set_status', $id, 'start', array( 'source' => 'bench' ) ); return $id;")
    wordpress = "WordPress REST route /wp-json/whieda/v1/rooms/{id}/state"
    browsers = "fast path as browsers reach it (site's nginx, 1 s micro-cache)"
    direct = "fast path, the sidecar itself (memcached, no proxy cache)"
    urls = {
        wordpress: f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/state",
        browsers: f"{stack.site_url}/whieda-api/v1/rooms/{webinar}/state",
        direct: f"{stack.sidecar_url}/v1/rooms/{webinar}/state",
    }
    etag = requests.get(urls[direct], timeout=5).headers["ETag"]
    rates: dict[str, list[float]] = {label: [] for label in urls}
    for url in urls.values():
        wrk(url, 1)  # warm php-fpm, opcache, connections and caches
    for _ in range(2):  # alternate, so drift on the machine hits all alike
        for label, url in urls.items():
            rates[label].append(wrk(url, seconds))
    conditional = wrk(urls[direct], seconds, {"If-None-Match": etag})
    stack.wp_eval(f"do_action( 'core_webinar_set_status', {webinar}, 'stop', array( 'source' => 'bench' ) );"
                  " return true;")

    baseline = sum(rates[wordpress]) / 2
    print(f"\nRoom state reads, wrk 2 threads x 32 connections, {seconds} s per run, two runs each, alternated;"
          " requests per second")
    for label, values in rates.items():
        rate = sum(values) / 2
        print(f"  {label:<66} {rate:9.0f}   {rate / baseline:6.1f}x")
    print(f"  {'fast path, the sidecar itself, If-None-Match (304 Not Modified)':<66} {conditional:9.0f}"
          f"   {conditional / baseline:6.1f}x")
    print("  goal: the fast path >= 50x the WordPress REST route")


SECTIONS = [bench_forwarding, bench_room_state, bench_viewer_progress, bench_capacity, bench_meta_reads, bench_reports]


def main() -> None:
    stack = Stack("test")
    was_up = stack.alive("sidecar")
    stack.up()
    versions = stack.wp_eval("return array( get_bloginfo( 'version' ), PHP_VERSION );")
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"Whieda bridge benchmark — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}, "
          f"{cpu} cores; WordPress {versions[0]}, PHP {versions[1]}, php-fpm + nginx, MariaDB, memcached")
    stack.wp_eval("update_option( 'whieda_test_probe_paused', 1 ); return true;")
    reset_bridge(stack)
    only = os.environ.get("WHIEDA_BENCH_ONLY", "")  # e.g. "reports": the sections whose names contain it
    try:
        for section in SECTIONS:
            if only in section.__name__:
                section(stack)
    finally:
        stack.wp_eval("delete_option( 'whieda_test_probe_paused' ); return true;")
        if not was_up:
            stack.down()


if __name__ == "__main__":
    main()
