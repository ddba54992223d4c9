"""Command line: ``python -m sidecar serve | worker | bot | migrate | logs | jobs | funnel``."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from dotenv import load_dotenv

from . import logs
from .config import Config, ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sidecar", description="The Whieda Webinars sidecar.")
    parser.add_argument("command", choices=["serve", "worker", "bot", "migrate", "logs", "jobs", "funnel"],
                        help="serve: web app, worker and bot, supervised; worker: the background worker alone;"
                             " bot: receive the Telegram bot's updates (one instance at a time polls);"
                             " migrate: create the bridge's tables and exit;"
                             " logs: render JSON log lines from stdin readably (e.g. journalctl -o cat -fu …);"
                             " jobs: list pending and failed jobs (messages, reminders, emits);"
                             " funnel: count the recording's funnel again from the autowebinar_* rows (after rows"
                             " were written behind the sidecar's back) and print it")
    parser.add_argument("--retry", type=int, action="append", default=[], metavar="ID",
                        help="jobs: run this failed job again now (repeatable)")
    parser.add_argument("--all", action="store_true", help="jobs: list after --retry too")
    parser.add_argument("--limit", type=int, default=100, help="jobs: how many to list (100)")
    args = parser.parse_args(argv)
    if args.command == "logs":
        for line in sys.stdin:
            print(logs.readable(line.rstrip("\n")), flush=True)
        return 0

    # Settings come from the environment, then from a .env file for what is not set there.
    load_dotenv(os.environ.get("WHIEDA_ENV_FILE", ".env"), override=False)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"sidecar: {exc}", file=sys.stderr)
        return 2
    logs.configure(config.log_level)

    if args.command == "jobs":
        from .jobs.cli import run
        return run(config, args.retry, args.all, args.limit)
    if args.command == "funnel":
        from .user_meta.funnel import run_cli
        return run_cli(config)

    from .serve import StartupError, prepare, serve
    try:
        if args.command == "migrate":
            prepare(config)
            return 0
        if args.command == "worker":
            return run_worker(config)
        if args.command == "bot":
            from .runtime import Runtime
            from .telegram.bot import run_bot
            return run_bot(Runtime(config))
        return serve(config)
    except StartupError as exc:
        print(f"sidecar: {exc}", file=sys.stderr)
        return 2


def run_worker(config: Config) -> int:
    from .jobs.worker import Worker
    from .runtime import Runtime

    worker = Worker(Runtime(config))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop.set())
    worker.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
