"""make bench, AutoWebinar: viewer progress writes per second, the sidecar's fast path against WordPress.

Both go through the site's nginx with the same number of concurrent keep-alive
connections, alternating, in the same run. Every request is a real write of the
position and the last-seen time:
- fast path: POST /whieda-api/v1/viewer/progress with a viewer token, one request
  per viewer (a viewer's position cannot grow faster than the wall clock, so each
  request goes to a viewer that has not reported yet: thousands of viewers, as in
  a real showing where each sends a heartbeat every 10 s);
- WordPress: POST /wp-admin/admin-ajax.php as a logged-in user, with a nonce, doing
  update_user_meta() of the same two keys (what a plugin without the sidecar does).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from urllib.parse import urlencode

import requests

from sidecar import signing
from tests.helpers import login
from tests.stack import Stack

SECONDS = float(os.environ.get("WHIEDA_BENCH_VIEWER_SEC", "8"))
CONCURRENCY = int(os.environ.get("WHIEDA_BENCH_VIEWER_CONCURRENCY", "16"))
ROUNDS = 2
VIEWERS = int(os.environ.get("WHIEDA_BENCH_VIEWERS", "40000"))
DURATION = 86400
HEARTBEAT_SEC = 30  # the player's default (Whieda_Autowebinar::HEARTBEAT)
PLAIN_HEARTBEAT_SEC = 10  # a player that sends its position every 10 s (ours did, before)


async def hammer(port: int, requests_: iter, seconds: float, concurrency: int) -> tuple[int, int]:
    """Send the prepared raw requests over ``concurrency`` keep-alive connections for ``seconds``;
    returns (answered 200, answered otherwise)."""
    deadline = time.monotonic() + seconds
    counts = [0, 0]

    async def connection():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < deadline:
                try:
                    raw = next(requests_)
                except StopIteration:
                    return
                writer.write(raw)
                line = await reader.readline()
                if not line:  # nginx closes a keep-alive connection after keepalive_requests: open another
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(raw)
                    line = await reader.readline()
                status = int(line.split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                    elif line.lower().startswith(b"transfer-encoding: chunked"):
                        length = -1
                if length >= 0:
                    await reader.readexactly(length)
                else:  # chunked (PHP answers without a length)
                    while (size := int((await reader.readline()).strip(), 16)) > 0:
                        await reader.readexactly(size + 2)
                    await reader.readline()
                counts[0 if status == 200 else 1] += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return counts[0], counts[1]


def post(path: str, host: str, body: bytes, content_type: str, cookie: str = "") -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n")
    return head.encode() + body


def make_viewers(stack: Stack, count: int, tag: str) -> list[int]:
    """``count`` users, each joined long ago at position 0: any honest position is allowed now."""
    users, meta = stack.table("users"), stack.table("usermeta")
    stack.sql(f"INSERT INTO {users} (user_login, user_pass, user_nicename, user_email, user_registered, display_name)"
              f" SELECT CONCAT(%s, seq), '', CONCAT(%s, seq), CONCAT(%s, seq, '@bench.test'), UTC_TIMESTAMP(), 'bench'"
              f" FROM seq_1_to_{int(count)}", (tag, tag, tag))
    ids = [r["ID"] for r in stack.sql(f"SELECT ID FROM {users} WHERE user_login LIKE %s ORDER BY ID", (tag + "%",))]
    long_ago = "DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 1 DAY, '%%Y-%%m-%%d %%H:%%i:%%s')"
    for key, value in (("autowebinar_session_id", "UUID()"), ("autowebinar_started_at", long_ago),
                       ("autowebinar_last_seen_at", long_ago), ("autowebinar_last_position_sec", "'0'"),
                       ("autowebinar_progress_percent", "'0'"), ("autowebinar_completed", "'0'")):
        stack.sql(f"INSERT INTO {meta} (user_id, meta_key, meta_value) SELECT ID, %s, {value} FROM {users}"
                  " WHERE user_login LIKE %s", (key, tag + "%"))
    return ids


def forget_viewers(stack: Stack, tag: str) -> None:
    users, meta = stack.table("users"), stack.table("usermeta")
    stack.sql(f"DELETE m FROM {meta} m JOIN {users} u ON u.ID = m.user_id WHERE u.user_login LIKE %s", (tag + "%",))
    stack.sql(f"DELETE FROM {users} WHERE user_login LIKE %s", (tag + "%",))


def bench_viewer_progress(stack: Stack) -> None:
    host = f"127.0.0.1:{stack.profile.site_port}"
    tag = f"benchviewer{uuid.uuid4().hex[:6]}_"
    secret = stack.secrets["whieda_secret"]

    # WordPress: one logged-in viewer, a nonce, positions that change with every request.
    name = f"benchwp{uuid.uuid4().hex[:6]}"
    wp_user = stack.wp_eval(f"return wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => 'pass-{name}',"
                            f" 'user_email' => '{name}@bench.test', 'role' => 'candidate' ) );")
    session = login(stack.site_url, name, f"pass-{name}")
    nonce = session.post(f"{stack.site_url}/wp-admin/admin-ajax.php", data={"action": "whieda_bench_nonce"},
                         timeout=10).json()["nonce"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    wp_counter = iter(range(1, 10**9))
    wp_requests = (post("/wp-admin/admin-ajax.php", host, urlencode(
        {"action": "whieda_bench_progress", "nonce": nonce, "position": n}).encode(),
        "application/x-www-form-urlencoded", cookie) for n in wp_counter)

    ids = make_viewers(stack, VIEWERS, tag)
    expires = int(time.time()) + 3600

    def fast_requests():
        for user in ids:
            token = signing.mint_token(secret, signing.VIEWER, {"uid": user, "wid": 1, "ref": None, "dur": DURATION, "cta": None,
                                                  "mode": "jit", "exp": expires, "nonce": uuid.uuid4().hex})
            yield post("/whieda-api/v1/viewer/progress", host, json.dumps({"token": token, "position": 10}).encode(),
                       "application/json")
    fast = fast_requests()

    try:
        for _ in range(20):  # warm both
            requests.post(f"{stack.site_url}/wp-admin/admin-ajax.php", cookies=session.cookies, timeout=10,
                          data={"action": "whieda_bench_progress", "nonce": nonce, "position": 0})
        asyncio.run(hammer(stack.profile.site_port, fast, 1.0, CONCURRENCY))
        results = {"wordpress": [0, 0, 0.0], "fast path": [0, 0, 0.0]}
        for _ in range(ROUNDS):
            for label, source in (("wordpress", wp_requests), ("fast path", fast)):
                started = time.monotonic()
                ok, other = asyncio.run(hammer(stack.profile.site_port, source, SECONDS, CONCURRENCY))
                results[label][0] += ok
                results[label][1] += other
                results[label][2] += time.monotonic() - started
        written = stack.sql(f"SELECT COUNT(*) AS n FROM {stack.table('usermeta')} m JOIN {stack.table('users')} u"
                            " ON u.ID = m.user_id WHERE u.user_login LIKE %s"
                            " AND m.meta_key = 'autowebinar_last_position_sec' AND m.meta_value = '10'", (tag + "%",))
    finally:
        forget_viewers(stack, tag)
        stack.wp_eval(f"require_once ABSPATH . 'wp-admin/includes/user.php'; return wp_delete_user( {wp_user} );")

    rate = {label: ok / elapsed for label, (ok, _, elapsed) in results.items()}
    print(f"\nViewer progress writes (position + last seen), {CONCURRENCY} keep-alive connections through nginx,"
          f" {ROUNDS} alternating rounds of {SECONDS:.0f} s each")
    print(f"  {'':<62} {'writes/s':>9} {'refused':>8}")
    print(f"  {'WordPress: admin-ajax.php, logged in, nonce, update_user_meta':<62} {rate['wordpress']:9.1f}"
          f" {results['wordpress'][1]:8d}")
    print(f"  {'sidecar fast path: /whieda-api/v1/viewer/progress, viewer token':<62} {rate['fast path']:9.1f}"
          f" {results['fast path'][1]:8d}")
    print(f"  fast path / WordPress, write for write: {rate['fast path'] / rate['wordpress']:.1f}x   (goal: >= 20x);"
          f" rows really written by the fast path: {written[0]['n']}")
    # Fewer requests: the player sends the position every HEARTBEAT_SEC (what resume needs; pagehide and
    # each milestone as reached add a few per showing) where a plain player sends one every 10 s.
    ours, plain = 60 / HEARTBEAT_SEC, 60 / PLAIN_HEARTBEAT_SEC
    held = {label: value * 60 / per_minute for (label, value), per_minute in
            zip(rate.items(), (plain, ours))}
    print(f"  viewers one second of these writes keeps: WordPress at {plain:.0f} writes a viewer-minute"
          f" {held['wordpress']:.0f}, the fast path at {ours:.0f} writes a viewer-minute {held['fast path']:.0f}:"
          f" {held['fast path'] / held['wordpress']:.1f}x viewers")
