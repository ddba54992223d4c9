"""python -m tests.fake_telegram [--port 8081]: serve the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from . import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_telegram", description=__doc__)
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    run_simple("127.0.0.1", args.port, create_app(), threaded=True)


if __name__ == "__main__":
    main()
