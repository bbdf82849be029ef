"""`triagebot` command line: serve, migrate, run, and the operator commands later issues add."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("triagebot")

EXIT_CONFIG = 2

Subcommand = Callable[[argparse.Namespace, Settings], int]
SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str) -> Callable[[Subcommand], Subcommand]:
    def register(func: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = func
        return func

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triagebot", description="Run and operate the triagebot Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot (HTTP on PORT, or Socket Mode)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT, 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="interface to bind (default: all)")
    serve.add_argument("--socket", action="store_true", help="Socket Mode (needs SLACK_APP_TOKEN)")

    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("run", help="what `make run` does: serve when configured, else say what is missing")
    return parser


def use_socket_mode(args: argparse.Namespace, settings: Settings) -> bool:
    return bool(args.socket or (settings.slack_app_token and args.port is None))


@subcommand("migrate")
def migrate_command(_args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    print(f"Database is up to date ({_describe_db(settings.database_url)}).")
    return 0


@subcommand("serve")
def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import serve_http, serve_socket_mode
    from storage.migrate import upgrade

    socket = use_socket_mode(args, settings)
    required = ["SLACK_BOT_TOKEN", "OPENAI_API_KEY", "TRIAGE_DEFAULT_MODEL"]
    required.append("SLACK_APP_TOKEN" if socket else "SLACK_SIGNING_SECRET")
    settings.require(*required)
    upgrade(settings.database_url)
    if socket:
        return asyncio.run(serve_socket_mode(settings))
    port = settings.port if args.port is None else args.port
    return serve_http(settings, host=args.host, port=port)


@subcommand("run")
def run_command(args: argparse.Namespace, settings: Settings) -> int:
    args.socket, args.port, args.host = False, None, "0.0.0.0"
    return serve_command(args, settings)


def _describe_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.triage_log_format, settings.secrets())
        return SUBCOMMANDS[args.command](args, settings)
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Operators get one readable line; the traceback goes to the log at debug level only.
        log.debug("command failed", exc_info=True)
        print(f"triagebot {args.command}: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return 1


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "(no details)"


if __name__ == "__main__":
    raise SystemExit(main())
