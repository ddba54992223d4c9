"""make chaos: bounded faults against the real local stack, and a table of what held.

Every scenario fires real events (page requests that call do_action, signed bridge
calls, queued emits), breaks one part of the stack while they flow, lets the
system recover on its own (ordinary page traffic and WP-Cron only: no replay by
hand), then counts each event's effect in WordPress: applied exactly once, lost,
or duplicated. Traffic goes to loopback addresses only. Runs on its own stack
(`.stack/chaos`, ports from WHIEDA_CHAOS_PORT_BASE, default 19080).
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

from sidecar import signing
from sidecar.config import Config
from sidecar.runtime import Runtime
from tests.stack import Stack

RECOVERY_LIMIT_SEC = 120


@dataclass
class Result:
    scenario: str
    sent: int
    applied_once: int
    lost: int
    duplicated: int
    p99_ms: float | None
    note: str = ""


@dataclass
class Load:
    """Page requests, each firing client_webinar_completed for its own lead, from a pool of threads."""

    stack: Stack
    concurrency: int
    sent: list[int] = field(default_factory=list)  # leads whose page answered 200: do_action ran
    timings: list[tuple[float, float]] = field(default_factory=list)  # (start, latency ms)
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fire(self, lead: int) -> None:
        payload = {"lead_id": lead, "webinar_id": 42, "webinar_type": "live", "session_id": f"chaos-{lead}",
                   "completed_at": int(time.time())}
        started = time.monotonic()
        try:
            answer = requests.post(f"{self.stack.site_url}/?whieda_probe=fire", timeout=30,
                                   json={"hook": "client_webinar_completed", "args": [payload]},
                                   headers={"X-Whieda-Probe": self.stack.secrets["probe_token"]})
            ok = answer.status_code == 200
        except requests.RequestException:
            ok = False
        latency = (time.monotonic() - started) * 1000
        with self.lock:
            self.done += 1
            self.timings.append((started, latency))
            if ok:
                self.sent.append(lead)

    def run(self, leads: list[int], fault=None, fault_after: int = 0, rate: float | None = None) -> tuple[float, float]:
        """Fire every lead (at most ``rate`` requests a second); run ``fault()`` in the background once
        ``fault_after`` requests are done. Returns the fault's (start, end) on the monotonic clock."""
        window = [0.0, 0.0]

        def inject():
            while self.done < fault_after:
                time.sleep(0.01)
            window[0] = time.monotonic()
            fault()
            window[1] = time.monotonic()

        injector = threading.Thread(target=inject) if fault else None
        if injector:
            injector.start()
        with ThreadPoolExecutor(self.concurrency) as pool:
            began = time.monotonic()
            for n, lead in enumerate(leads):
                if rate:
                    time.sleep(max(0.0, began + n / rate - time.monotonic()))
                pool.submit(self.fire, lead)
        if injector:
            injector.join()
        return window[0], window[1]

    def p99_between(self, start: float, end: float) -> float | None:
        during = sorted(latency for began, latency in self.timings if start <= began <= end)
        return during[min(len(during) - 1, int(len(during) * 0.99))] if during else None


class FpmBusy:
    """The most php-fpm workers busy at once, sampled every 20 ms from the pool's status page
    (the sampling request itself is one of them, and is not counted)."""

    def __init__(self, stack: Stack):
        self.url = f"{stack.site_url}/fpm-status?json"
        self.peak = 0
        conf = (Path(__file__).resolve().parents[1] / "stack" / "php-fpm.conf").read_text()
        self.limit = int(re.search(r"^pm\.max_children\s*=\s*(\d+)", conf, re.M).group(1))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            try:
                status = session.get(self.url, timeout=5).json()
                self.peak = max(self.peak, int(status["active processes"]) - 1)
            except (requests.RequestException, ValueError, KeyError):
                pass
            self._stop.wait(0.02)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


class Chaos:
    def __init__(self, stack: Stack):
        self.stack = stack
        self.probe_table = stack.table("whieda_test_probe")
        self.next_lead = 10_000_000 + int(time.time()) % 1_000_000 * 100

    def leads(self, n: int) -> list[int]:
        first, self.next_lead = self.next_lead, self.next_lead + n
        return list(range(first, first + n))

    def reset(self) -> None:
        self.stack.sql(f"DELETE FROM {self.stack.table('whieda_outbox')}")
        self.stack.wp_eval("delete_option( 'whieda_breaker' ); delete_option( 'whieda_outbox_backlog' );"
                           " return true;")

    def effects(self, leads: list[int]) -> dict[int, int]:
        """How many times WordPress fired webinar_completed for each lead (the event's effect)."""
        counts = {lead: 0 for lead in leads}
        rows = self.stack.sql(f"SELECT args FROM {self.probe_table} WHERE hook = 'webinar_completed'"
                              " AND by_sidecar = 1 AND id > %s", (self.mark,))
        for row in rows:
            lead = json.loads(row["args"])[0]["lead_id"]
            if lead in counts:
                counts[lead] += 1
        return counts

    def start(self) -> None:
        self.reset()
        self.mark = int(self.stack.sql(f"SELECT COALESCE(MAX(id), 0) AS m FROM {self.probe_table}")[0]["m"])

    def recover(self, leads: list[int]) -> float:
        """Ordinary traffic (a page view and WP-Cron every second) until every lead has its effect,
        or the limit; returns the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < RECOVERY_LIMIT_SEC:
            if all(self.effects(leads).values()):
                break
            for path in ("/", "/wp-cron.php?doing_wp_cron"):
                try:
                    requests.get(self.stack.site_url + path, timeout=30)
                except requests.RequestException:
                    pass
            time.sleep(1)
        time.sleep(1)  # anything still in flight lands before counting
        return time.monotonic() - started

    def result(self, scenario: str, sent: list[int], p99: float | None, note: str) -> Result:
        counts = self.effects(sent)
        return Result(scenario, len(sent), sum(1 for c in counts.values() if c == 1),
                      sum(1 for c in counts.values() if c == 0), sum(1 for c in counts.values() if c > 1), p99, note)

    # ---- scenarios ------------------------------------------------------------------------------------

    def sidecar_killed(self) -> Result:
        self.start()
        load = Load(self.stack, concurrency=8)
        leads = self.leads(1000)

        def crash():
            self.stack.kill("sidecar")
            time.sleep(3)
            self.stack.start_sidecar()
        start, end = load.run(leads, crash, fault_after=250)
        took = self.recover(load.sent)
        return self.result("sidecar kill -9 and restart during 1,000 hooks (8 concurrent pages)", load.sent,
                           load.p99_between(start, end), f"recovered {took:.0f} s after the load")

    def sidecar_hung(self) -> Result:
        """The sidecar's whole process group stopped (alive, accepting connections, never answering)
        while eight pages at a time fire 400 hooks, then continued. The pool's busy workers are sampled
        from php-fpm's status page all along."""
        self.start()
        load = Load(self.stack, concurrency=8)
        leads = self.leads(400)
        busy = FpmBusy(self.stack)
        group = self.stack.pid("sidecar")

        def hang():
            os.killpg(group, signal.SIGSTOP)
            while load.done < len(leads) - 40:  # stopped for all but the first and the last 40 pages
                time.sleep(0.01)
            os.killpg(group, signal.SIGCONT)
        busy.start()
        try:
            start, end = load.run(leads, hang, fault_after=40)
        finally:
            busy.stop()
            os.killpg(group, signal.SIGCONT)
        recovering = time.monotonic()
        took = self.recover(load.sent)
        breaker = self.stack.wp_eval("return Whieda_Plugin::instance()->breaker->state();")
        return self.result("sidecar's process group stopped (SIGSTOP) during 400 hooks (8 concurrent pages),"
                           " then SIGCONT", load.sent, load.p99_between(start, end),
                           f"stopped {end - start:.1f} s; php-fpm workers busy at peak {busy.peak} of"
                           f" {busy.limit}; all applied {recovering - end + took:.0f} s after"
                           f" SIGCONT; breaker after: {breaker['failures']} failures")

    def mariadb_restarted(self) -> Result:
        self.start()
        load = Load(self.stack, concurrency=6)
        leads = self.leads(600)

        def outage():
            self.stack.stop("mysql")
            time.sleep(3)
            self.stack.start_mysql()
        start, end = load.run(leads, outage, fault_after=150, rate=40)
        took = self.recover(load.sent)
        failed = len(leads) - len(load.sent)
        return self.result("MariaDB stopped for 3 s and started under load (600 hooks)", load.sent,
                           load.p99_between(start, end),
                           f"{failed} pages failed while WordPress had no database (no do_action ran);"
                           f" recovered {took:.0f} s after")

    def queue_emits(self, leads: list[int]) -> None:
        """Emits as the sidecar queues them for events that do not come from WordPress."""
        rt = Runtime(Config.from_env(self.stack.sidecar_env()))
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for lead in leads:
            payload = {"lead_id": lead, "webinar_id": 42, "webinar_type": "auto", "session_id": f"chaos-{lead}",
                       "completed_at": int(time.time())}
            event_id = str(uuid.uuid4())
            rt.db.run(lambda conn: rt.jobs.enqueue(
                conn, "emit", {"event_id": event_id, "hook": "webinar_completed", "args": [payload]}, now,
                dedup_key=f"emit:{event_id}"))

    def wordpress_unreachable(self) -> Result:
        self.start()
        leads = self.leads(200)
        self.stack.stop("nginx")
        try:
            self.queue_emits(leads)
            time.sleep(5)
        finally:
            self.stack.start_web()
        took = self.recover(leads)
        order = [json.loads(r["args"])[0]["lead_id"] for r in self.stack.sql(
            f"SELECT args FROM {self.probe_table} WHERE hook = 'webinar_completed' AND id > %s ORDER BY id",
            (self.mark,))]
        in_order = order == sorted(order)
        return self.result("WordPress (nginx) down 5 s while the sidecar has 200 emits to deliver", leads, None,
                           f"delivered {'in' if in_order else 'OUT OF'} order, {took:.0f} s after WordPress returned")

    def two_sidecars(self) -> Result:
        self.start()
        port = self.stack.profile.site_port + 9
        env = {**os.environ, **self.stack.sidecar_env(WHIEDA_LISTEN=f"127.0.0.1:{port}")}
        self.stack.spawn("sidecar-2", [sys.executable, "-m", "sidecar", "serve"], env=env)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            leads = self.leads(400)
            secret = self.stack.secrets["whieda_secret"]

            def both(lead: int) -> None:
                """The same call to both instances at once, as a load balancer that retries might."""
                body = json.dumps({"event_id": str(uuid.uuid4()), "hook": "client_webinar_completed", "args": [
                    {"lead_id": lead, "webinar_id": 42, "webinar_type": "live", "session_id": f"chaos-{lead}",
                     "completed_at": int(time.time())}]}).encode()
                for base in (self.stack.sidecar_url, f"http://127.0.0.1:{port}"):
                    answer = requests.post(base + "/v1/hooks/client_webinar_completed", data=body, timeout=30,
                                           headers={"Content-Type": "application/json",
                                                    **signing.sign(secret, body)})
                    self.post_emits(answer.json()["emit"])  # both answers, processed and duplicate
            queued = self.leads(200)
            self.queue_emits(queued)  # drained by both instances' workers
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(both, leads))
            took = self.recover(leads + queued)
        finally:
            self.stack.stop("sidecar-2")
        return self.result("two sidecar instances: 400 calls each sent to both, 200 queued emits", leads + queued,
                           None, f"{took:.0f} s to settle")

    def memcached_restarted(self) -> Result:
        """User meta and room state change while memcached restarts; WordPress runs with the plugin's
        memcached object cache, and reads every user's meta before the change (so a missed invalidation
        would show as a stale value). Counted per write: visible afterwards, lost, or stale."""
        self.start()
        stack = self.stack
        assert stack.wp_eval("return true === Whieda_Plugin::instance()->object_cache->enable();")
        users = self.leads(120)
        table = stack.table("users")
        try:
            for user in users:  # people Core knows, with no AutoWebinar session yet
                stack.sql(f"INSERT INTO {table} (ID, user_login, user_pass, user_email, user_registered,"
                          " display_name) VALUES (%s, %s, '', %s, UTC_TIMESTAMP(), %s)",
                          (user, f"chaos{user}", f"chaos{user}@example.test", f"chaos{user}"))
            ids = ", ".join(map(str, users))
            stack.wp_eval(f"foreach ( array( {ids} ) as $u ) {{ get_user_meta( $u ); }} return true;")
            webinar = stack.wp_eval("return wp_insert_post( array( 'post_type' => 'webinar_event',"
                                    " 'post_status' => 'publish', 'post_title' => 'chaos' ) );")

            def restart():
                time.sleep(0.5)
                stack.stop("memcached")
                time.sleep(2)
                stack.start_memcached()
                # WordPress caches every user's meta again: the writes still to come must invalidate it.
                stack.wp_eval(f"foreach ( array( {ids} ) as $u ) {{ get_user_meta( $u ); }} return true;")

            fault = threading.Thread(target=restart)
            fault.start()
            for batch in range(0, len(users), 10):
                logins = " ".join(f"do_action( 'core_user_login', wp_generate_uuid4(), {u}, null, time() );"
                                  for u in users[batch:batch + 10])
                visible = "true" if batch // 10 % 2 == 0 else "false"
                stack.wp_eval(f"{logins} do_action( 'core_webinar_set_cta_visibility', {webinar}, {visible},"
                              " array( 'source' => 'chaos' ) ); return true;")
            fault.join()
            last_visible = (len(users) // 10 - 1) % 2 == 0
            time.sleep(2)  # the sidecar's second delete, a second after each write

            seen = stack.wp_eval(f"$out = array(); foreach ( array( {ids} ) as $u ) {{"
                                 " $out[ $u ] = get_user_meta( $u, 'autowebinar_session_id', true ); } return $out;")
            stored = {int(r["user_id"]): r["meta_value"] for r in stack.sql(
                f"SELECT user_id, meta_value FROM {stack.table('usermeta')} WHERE meta_key = 'autowebinar_session_id'"
                f" AND user_id IN ({ids})")}
            created = {}
            for row in stack.sql(f"SELECT args FROM {self.probe_table} WHERE hook = 'autowebinar_session_created'"
                                 " AND id > %s", (self.mark,)):
                user = int(json.loads(row["args"])[1])
                created[user] = created.get(user, 0) + 1
            states = [requests.get(url, timeout=10).json()["cta_visible"] for url in (
                f"{stack.sidecar_url}/v1/rooms/{webinar}/state", f"{stack.site_url}/wp-json/whieda/v1/rooms/{webinar}/state")]
        finally:
            stack.wp_eval("return Whieda_Plugin::instance()->object_cache->disable();")
            stack.sql(f"DELETE FROM {stack.table('usermeta')} WHERE user_id >= %s AND user_id <= %s", (users[0], users[-1]))
            stack.sql(f"DELETE FROM {table} WHERE ID >= %s AND ID <= %s", (users[0], users[-1]))
        fresh = sum(1 for u in users if stored.get(u) and seen.get(str(u)) == stored[u])
        stale = sum(1 for u in users if stored.get(u) and seen.get(str(u)) != stored[u])
        lost = sum(1 for u in users if not stored.get(u))
        duplicated = sum(1 for u in users if created.get(u, 0) > 1)
        rooms_fresh = states == [last_visible, last_visible]
        return Result("memcached restarted while 120 sessions open and a room's CTA toggles (object cache on)",
                      len(users), fresh, lost + stale, duplicated, None,
                      f"{stale} stale in WordPress's cache; room state after: "
                      f"{'fresh on both endpoints' if rooms_fresh else 'STALE ' + str(states)}")

    def telegram_failing(self) -> Result:
        """The fake Bot API answers 429, 500 and hangs for a while; every message must arrive once."""
        from sidecar.hooks.api import Call, Context
        from sidecar.telegram import queue_message
        from sidecar.times import utcnow

        self.start()
        fake = self.stack.telegram_url
        requests.post(f"{fake}/control/reset", timeout=5)
        requests.post(f"{fake}/control/plan", timeout=5, json={"answers": (
            [{"status": 429, "retry_after": 2}] * 15 + [{"status": 500}] * 15 + [{"status": 502}] * 5
            + [{"hang": 3}] * 3)})
        rt = Runtime(Config.from_env(self.stack.sidecar_env()))
        chats = [str(9_000_000_000 + lead) for lead in self.leads(40)]
        messages = [(chat, f"Лид {chat}-{n}") for chat in chats for n in range(3)]
        for chat, name in messages:
            def work(conn, chat=chat, name=name):
                ctx = Context(rt, conn, Call("chaos", str(uuid.uuid4()), [], {}), utcnow())
                queue_message(ctx, "partner_attended", {"lead_name": name, "webinar_title": "Хаос"}, chat_id=chat,
                              scenario="chaos", recipient=f"chat:{chat}", step=name, webinar_id=42)
            rt.db.run(work)
        started = time.monotonic()

        def delivered() -> dict[tuple[str, str], int]:
            counts: dict[tuple[str, str], int] = {}
            for entry in requests.get(f"{fake}/control/received", timeout=10).json():
                if entry.get("answered") == 200:
                    for chat, name in messages:
                        if entry["chat_id"] == chat and name in (entry["text"] or ""):
                            counts[(chat, name)] = counts.get((chat, name), 0) + 1
            return counts
        while time.monotonic() - started < RECOVERY_LIMIT_SEC and len(delivered()) < len(messages):
            time.sleep(1)
        time.sleep(2)
        counts = delivered()
        once = sum(1 for m in messages if counts.get(m) == 1)
        twice = sum(1 for m in messages if counts.get(m, 0) > 1)
        hung = sum(1 for e in requests.get(f"{fake}/control/received", timeout=10).json() if e.get("answered") == "hung")
        return Result("Bot API answering 429 (15x), 5xx (20x) and hanging (3x): 120 messages to 40 chats",
                      len(messages), once, len(messages) - once - twice, twice, None,
                      f"all sent within {time.monotonic() - started:.0f} s; {hung} requests hung")

    def post_emits(self, emits: list[dict]) -> None:
        for emit in emits:
            body = json.dumps(emit).encode()
            requests.post(f"{self.stack.site_url}/wp-json/whieda/v1/emit", data=body, timeout=30,
                          headers={"Content-Type": "application/json",
                                   **signing.sign(self.stack.secrets["whieda_secret"], body)})


SCENARIOS = ["sidecar_killed", "sidecar_hung", "mariadb_restarted", "memcached_restarted", "wordpress_unreachable",
             "telegram_failing", "two_sidecars"]


def table(results: list[Result]) -> str:
    lines = ["| scenario | events sent | applied once | lost | duplicated | page p99 during the fault | notes |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        p99 = f"{r.p99_ms:.0f} ms" if r.p99_ms is not None else "—"
        lines.append(f"| {r.scenario} | {r.sent} | {r.applied_once} | {r.lost} | {r.duplicated} | {p99} | {r.note} |")
    return "\n".join(lines)


def main() -> int:
    stack = Stack("chaos")
    started = time.monotonic()
    stack.up()
    chosen = sys.argv[1:] or SCENARIOS
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"Whieda chaos run — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}, {cpu} cores",
          flush=True)
    chaos = Chaos(stack)
    results = []
    try:
        for name in chosen:
            print(f"  … {name}", flush=True)
            results.append(getattr(chaos, name)())
    finally:
        stack.down()
    print()
    print(table(results))
    print(f"\n{time.monotonic() - started:.0f} s in all")
    return 0 if all(r.lost == 0 and r.duplicated == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
