"""The room page's script, wp-plugin/assets/js/whieda-room.js, run by Node's test runner (tests/js/)."""

from __future__ import annotations

import subprocess

from tests.stack import REPO


def test_the_room_script_reports_and_follows_the_state_as_the_room_page_needs():
    files = sorted(str(path) for path in (REPO / "tests" / "js").glob("*.test.js"))
    done = subprocess.run(["node", "--test", *files], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
