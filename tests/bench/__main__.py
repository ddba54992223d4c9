"""make bench: the bridge measured against WordPress doing the same work, on this machine, in this run.

It prints figures, never asserts them. Runs on the test stack (started if needed,
left as it was found). WHIEDA_BENCH_N sets the requests per measurement.
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
from tests.bench.viewer import bench_viewer_progress

N = int(os.environ.get("WHIEDA_BENCH_N", "400"))
PAYLOAD = {"lead_id": 7, "webinar_id": 42, "webinar_type": "live", "session_id": "bench", "completed_at": 1767229200}
WORKER_LOG = Path("/tmp/whieda-bench-worker.log")


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

    def fire(self, hook: str, worker_log: bool = False) -> tuple[float, float]:
        """Returns (page latency ms as the visitor sees it, time inside do_action ms)."""
        url = f"{self.stack.site_url}/?whieda_probe=fire" + ("&worker_log=1" if worker_log else "")
        started = time.perf_counter()
        answer = self.session.post(url, json={"hook": hook, "args": [PAYLOAD]}, timeout=30)
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


def worker_times(page: Page, hook: str, n: int) -> list[float]:
    WORKER_LOG.unlink(missing_ok=True)
    for _ in range(n):
        page.fire(hook, worker_log=True)
    time.sleep(1)  # the last shutdown finishes after its response
    return [float(line) for line in WORKER_LOG.read_text().split()]


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

    up = interleaved(page, {"noop": noop, "forwarded": forwarded}, N)
    work_noop = worker_times(page, noop, N // 2)
    work_forwarded = worker_times(page, forwarded, N // 2)

    stack.stop("sidecar")
    stack.wp_eval("update_option( 'whieda_breaker', array( 'failures' => 3, 'open_until' => time() + 3600 ) );"
                  " return true;")
    try:
        down = interleaved(page, {"noop": noop, "forwarded": forwarded}, N)
    finally:
        reset_bridge(stack)
        stack.start_sidecar()

    print(f"\nForwarding one do_action ({forwarded}) vs the same do_action with no listener, "
          f"{N} page requests each, interleaved; milliseconds")
    print(f"  {'':<62} {'p50':>8} {'p99':>8}")
    print(row("page latency, hook with no listener (WordPress alone)", up["noop"]["page"]))
    print(row("page latency, forwarded hook, sidecar up", up["forwarded"]["page"], up["noop"]["page"],
              "goal: added <= 1 p50, <= 2 p99"))
    print(row("page latency, forwarded hook, sidecar down (breaker open)", down["forwarded"]["page"],
              down["noop"]["page"], "goal: added <= 1 p99"))
    print(row("inside do_action, forwarded (the listener noting the call)", up["forwarded"]["do_action"]))
    print(row("php-fpm worker time, hook with no listener", work_noop))
    print(row("php-fpm worker time, forwarded (delivery after the response)", work_forwarded, work_noop))


SECTIONS = [bench_forwarding, bench_viewer_progress]


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
    try:
        for section in SECTIONS:
            section(stack)
    finally:
        stack.wp_eval("delete_option( 'whieda_test_probe_paused' ); return true;")
        if not was_up:
            stack.down()


if __name__ == "__main__":
    main()
