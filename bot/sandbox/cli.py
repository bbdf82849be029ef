"""`triagebot sandbox`: the bot with stand-ins for Slack and OpenAI, driven from this terminal."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.settings import Settings


def add_commands(sub: Any) -> None:
    sandbox = sub.add_parser(
        "sandbox", help="try the bot without a Slack workspace: local stand-ins and a terminal console"
    )
    sandbox.add_argument(
        "--db", type=Path, default=Path("sandbox.db"), help="SQLite file (default: ./sandbox.db)"
    )
    add_fresh_arguments(sandbox)
    sandbox.set_defaults(handler=sandbox_command)


def add_fresh_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fresh", action="store_true", help="start over with an empty sandbox database (asks first)"
    )
    parser.add_argument("--yes", action="store_true", help="with --fresh: do not ask before deleting")


def sandbox_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sandbox.session import run_sandbox

    return run_sandbox(
        db_path=args.db, fresh=args.fresh, log_format=settings.triage_log_format, assume_yes=args.yes
    )
