"""`triagebot serve`, `run` and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from bot.sandbox.cli import add_fresh_arguments
from bot.settings import Settings

log = logging.getLogger("triagebot")


def add_commands(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the bot (HTTP on PORT, or Socket Mode)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT, 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="interface to bind (default: all)")
    serve.add_argument("--socket", action="store_true", help="Socket Mode (needs SLACK_APP_TOKEN)")
    serve.add_argument(
        "--workers",
        type=worker_count,
        default=None,
        help="HTTP worker processes (default: WEB_CONCURRENCY, else one per core)",
    )
    serve.set_defaults(handler=serve_command)

    run = sub.add_parser(
        "run", help="what `make run` does: serve Slack when configured, the sandbox when no Slack credentials"
    )
    add_fresh_arguments(run)  # `make run ARGS=--fresh`: only meaningful when it starts the sandbox
    run.set_defaults(handler=run_command)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=migrate_command)


def worker_count(value: str) -> int:
    """`--workers N`: a whole number from 1 to 64 (argparse exits 2 naming the option otherwise)."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError(f"{count} is not between 1 and 64")
    return count


def use_socket_mode(args: argparse.Namespace, settings: Settings) -> bool:
    return bool(args.socket or (settings.slack_app_token and args.port is None))


def migrate_command(_args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.engine import make_url

    from storage.migrate import applied_heads, pending_revisions, upgrade

    url = settings.database_url
    where = make_url(url).render_as_string(hide_password=True)
    was_empty = not applied_heads(url)
    behind = bool(pending_revisions(url))
    upgrade(url)
    if was_empty:
        print(f"Created the database schema ({where}).")
    elif behind:
        print(f"Applied the new migrations; the database is up to date ({where}).")
    else:
        print(f"Database was already up to date; nothing to do ({where}).")
    return 0


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import default_workers, serve_http, serve_http_workers, serve_socket_mode
    from storage.migrate import upgrade

    socket = use_socket_mode(args, settings)
    required = ["SLACK_BOT_TOKEN", "OPENAI_API_KEY", "TRIAGE_DEFAULT_MODEL"]
    required.append("SLACK_APP_TOKEN" if socket else "SLACK_SIGNING_SECRET")
    settings.require(*required)
    upgrade(settings.database_url)
    if socket:
        if args.workers not in (None, 1):
            log.warning("--workers applies to HTTP; Socket Mode runs in one process")
        return asyncio.run(serve_socket_mode(settings))
    port = settings.port if args.port is None else args.port
    workers = args.workers or default_workers(settings)
    if workers == 1:
        return serve_http(settings, host=args.host, port=port)
    return serve_http_workers(settings, host=args.host, port=port, workers=workers)


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """No Slack credentials at all: the sandbox. Some: serve, which names exactly what is missing."""
    if not (settings.slack_bot_token or settings.slack_signing_secret or settings.slack_app_token):
        from pathlib import Path

        from bot.sandbox.session import run_sandbox

        print("No Slack credentials in .env or the environment: starting the sandbox instead.")
        return run_sandbox(
            db_path=Path("sandbox.db"),
            fresh=args.fresh,
            log_format=settings.triage_log_format,
            assume_yes=args.yes,
        )
    args.socket, args.port, args.host, args.workers = False, None, "0.0.0.0", None
    return serve_command(args, settings)
