"""python -m tests.stack up|down|status|replay|logs|env [run|test]"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

from . import PROFILES, Stack


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stack", description="The local Whieda stack.")
    parser.add_argument("command", choices=["up", "down", "status", "replay", "logs", "env"])
    parser.add_argument("profile", nargs="?", default="run", choices=PROFILES)
    args = parser.parse_args()
    stack = Stack(args.profile)

    if args.command == "up":
        stack.up()
        print(summary(stack))
    elif args.command == "down":
        stack.down()
        print(f"stopped the {args.profile} stack (MariaDB of the machine, if used, keeps running)")
    elif args.command == "status":
        for name, alive in stack.status().items():
            print(f"{name:14} {'up' if alive else 'down'}")
    elif args.command == "replay":
        delivered = stack.wp_eval("return Whieda_Plugin::instance()->forwarder->replay( true );")
        counts = stack.wp_eval("return Whieda_Plugin::instance()->outbox->counts();")
        print(f"delivered {delivered}; still pending {counts['pending']}, refused {counts['failed']}")
    elif args.command == "logs":
        tail = subprocess.Popen(["tail", "-n", "20", "-F", *map(str, sorted(stack.logs.glob("*.log")))],
                                stdout=subprocess.PIPE)
        try:
            return subprocess.call([sys.executable, "-m", "sidecar", "logs"], stdin=tail.stdout)
        except KeyboardInterrupt:
            return 0
        finally:
            tail.terminate()
    elif args.command == "env":
        for key, value in stack.sidecar_env().items():
            print(f"{key}={shlex.quote(value)}")  # for the shell: make jobs and make funnel source it
    return 0


def summary(stack: Stack) -> str:
    return f"""
Whieda is running ({stack.profile.name} stack).

  Site:        {stack.site_url}/
  Admin:       {stack.site_url}/wp-admin/   login: admin   password: {stack.secrets['admin_password']}
  Settings:    {stack.site_url}/wp-admin/options-general.php?page=whieda
  Sidecar:     {stack.sidecar_url}/healthz
{telegram_line(stack)}  Logs:        make logs      Stop: make stop
"""


def telegram_line(stack: Stack) -> str:
    if stack.uses_fake_telegram:
        return (f"  Telegram:    the local fake Bot API, {stack.telegram_url}/control: what the bot sent, and"
                " «Нажать Start» / write to the bot as any chat\n")
    return "  Telegram:    the bot of WHIEDA_TELEGRAM_TOKEN\n"


if __name__ == "__main__":
    sys.exit(main())
