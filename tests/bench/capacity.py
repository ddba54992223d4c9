"""make bench, viewers per box: how many concurrent viewers this machine holds with p99 under 100 ms.

A viewer is the requests its page makes at the product's default intervals:
- the live room (the room page): a room state poll every ROOM_POLL_SEC (through the site's nginx,
  with If-None-Match, as the page does) and a presence beat every WHIEDA_PRESENCE_BEAT_SEC;
- the recording (the player): a progress heartbeat every HEARTBEAT_SEC (milestones and the
  heartbeat at pagehide come on top, a few per showing).
wrk (C, so the load generator costs as little as it can on the same two cores) sends that mix over
more and more keep-alive connections on loopback: a bounded ramp, LEVEL_SEC seconds a level, until
p99 reaches 100 ms or throughput stops growing. The box holds, at a level, (requests per second) /
(one viewer's requests per second); the answer is the best level whose p99 stayed under 100 ms.
What runs out first is read from the CPU time each program used at the last level.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from sidecar import signing
from tests.bench.viewer import forget_viewers, make_viewers
from tests.stack import Stack

ROOM_POLL_SEC = 1.0  # Whieda_Room_Page::POLL_SEC
PRESENCE_BEAT_SEC = 30  # WHIEDA_PRESENCE_BEAT_SEC's default
HEARTBEAT_SEC = 30  # Whieda_Autowebinar::HEARTBEAT's default
P99_LIMIT_MS = 100.0
LEVEL_SEC = int(os.environ.get("WHIEDA_BENCH_LEVEL_SEC", "5"))
CONNECTIONS = (4, 16, 64, 256, 1024)
GOAL = 20_000
HERE = Path(__file__).resolve().parent


def wrk_level(script: Path, url: str, connections: int, env: dict) -> tuple[float, float, int]:
    """(requests/s, p99 ms, errors) of one level."""
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{LEVEL_SEC}s", "--latency", "--timeout", "5s",
                           "-s", str(script), url], capture_output=True, text=True, check=True,
                          env={**os.environ, **env})
    out = done.stdout
    rate = float(out.split("Requests/sec:")[1].split()[0])
    p99 = parse_ms(out.split("99%")[1].split()[0])
    errors = 0
    if "Non-2xx or 3xx responses:" in out:
        errors += int(out.split("Non-2xx or 3xx responses:")[1].split()[0])
    if "Socket errors:" in out:
        part = out.split("Socket errors:")[1].split("\n")[0]
        errors += sum(int(x.split()[-1]) for x in part.split(","))
    return rate, p99, errors


def parse_ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


SERVICES = {"nginx": "nginx", "php-fpm": "php-fpm", "mysql": "MariaDB", "memcached": "memcached",
            "sidecar": "sidecar"}


def cpu_by_program(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far: by each service of the stack (its whole session: the stack starts each
    in one), by wrk (this process's finished children), and by everything else on the machine (other
    people's work included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    sessions = {stack.pid(name): label for name, label in SERVICES.items()}
    used: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        if int(raw.split()[0]) == os.getpid():
            continue  # this process: its finished children (wrk) are counted below
        name = sessions.get(int(fields[3]), "the rest of the machine")
        used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    children = os.times()
    used["wrk"] = children.children_user + children.children_system
    return used


def ramp(stack: Stack, label: str, script: Path, url: str, per_viewer: float, env: dict) -> None:
    print(f"\n{label}: one viewer = {per_viewer:.3f} requests/s; wrk 2 threads, {LEVEL_SEC} s a level")
    print(f"  {'connections':>11} {'requests/s':>11} {'p99 ms':>8} {'errors':>7} {'viewers':>9}")
    best, last_rate, busiest = 0, 0.0, {}
    subprocess.run(["wrk", "-t1", "-c4", "-d1s", "-s", str(script), url], capture_output=True,
                   env={**os.environ, **env}, check=True)  # warm: a room's first fetch waits on nginx's cache lock
    for connections in CONNECTIONS:
        before, started = cpu_by_program(stack), time.monotonic()
        rate, p99, errors = wrk_level(script, url, connections, env)
        elapsed = time.monotonic() - started
        after = cpu_by_program(stack)
        viewers = int(rate / per_viewer)
        held = p99 < P99_LIMIT_MS and errors == 0
        print(f"  {connections:>11} {rate:>11.0f} {p99:>8.1f} {errors:>7} {viewers:>9}"
              f"   {'held' if held else 'not held'}")
        busiest = {name: (after[name] - before.get(name, 0.0)) / elapsed for name in after}
        if held:
            best = max(best, viewers)
        if not held or rate < last_rate * 1.05:
            break  # p99 over the limit, or more connections bring no more throughput
        last_rate = rate
    top = sorted(((share, name) for name, share in busiest.items() if share > 0.01), reverse=True)
    total = sum(share for share, _ in top)
    print(f"  held: {best} concurrent viewers (goal {GOAL}: {'reached' if best >= GOAL else 'not reached'});"
          f" at the last level the two cores were {total * 50:.0f}% busy, in core-%: "
          + ", ".join(f"{name} {share * 100:.0f}" for share, name in top))


def bench_capacity(stack: Stack) -> None:
    secret = stack.secrets["whieda_secret"]
    expires = int(time.time()) + 3600
    site = stack.site_url
    webinar = stack.wp_eval(
        "$id = wp_insert_post( array( 'post_type' => 'webinar_event', 'post_status' => 'publish',"
        " 'post_title' => 'bench capacity' ) ); update_post_meta( $id, 'stream_type', 'obs' );"
        " do_action( 'core_webinar_set_status', $id, 'start', array( 'source' => 'bench' ) ); return $id;")
    tag = f"benchcap{uuid.uuid4().hex[:6]}_"
    with tempfile.TemporaryDirectory() as folder:
        rooms = Path(folder) / "room-tokens"
        rooms.write_text("\n".join(signing.mint_token(secret, signing.ROOM, {
            "lead_id": 5_000_000 + n, "webinar_id": webinar, "exp": expires, "nonce": uuid.uuid4().hex})
            for n in range(2000)) + "\n")
        ids = make_viewers(stack, 20_000, tag)
        viewers = Path(folder) / "viewer-tokens"
        viewers.write_text("\n".join(signing.mint_token(secret, signing.VIEWER, {
            "uid": user, "wid": 1, "ref": None, "dur": 86400, "cta": None, "mode": "jit", "exp": expires,
            "nonce": uuid.uuid4().hex}) for user in ids) + "\n")
        try:
            room_rate = 1 / ROOM_POLL_SEC + 1 / PRESENCE_BEAT_SEC
            ramp(stack, f"Live room viewers (state poll every {ROOM_POLL_SEC} s through nginx, presence beat every"
                 f" {PRESENCE_BEAT_SEC} s)", HERE / "room.lua", f"{site}/whieda-api/v1/rooms/{webinar}/state",
                 room_rate, {"WHIEDA_TOKENS": str(rooms), "WHIEDA_WEBINAR": str(webinar),
                             "WHIEDA_BEAT_SHARE": str((1 / PRESENCE_BEAT_SEC) / room_rate)})
            ramp(stack, f"Recording viewers (progress heartbeat every {HEARTBEAT_SEC} s through nginx)", HERE / "recording.lua",
                 f"{site}/whieda-api/v1/viewer/progress", 1 / HEARTBEAT_SEC, {"WHIEDA_TOKENS": str(viewers)})
        finally:
            forget_viewers(stack, tag)
            stack.sql(f"DELETE FROM {stack.table('whieda_attendance')} WHERE webinar_id = %s", (webinar,))
            stack.wp_eval(f"do_action( 'core_webinar_set_status', {webinar}, 'stop', array( 'source' => 'bench' ) );"
                          " return true;")
