"""`triagebot` command line. Each area adds its subcommands from its own module (see CLI_MODULES)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings
from bot.startup import check_domain_settings

log = logging.getLogger("triagebot")

EXIT_CONFIG = 2
# Long-running commands log what they do. The others print their outcome in words, so log lines
# would only break their output (a progress bar, a table of checks): there, only errors are logged.
SERVING_COMMANDS = frozenset({"serve", "run", "sandbox"})

# Modules with `add_commands(subparsers)`; each parser sets `handler=func(args, settings) -> int`.
CLI_MODULES = [
    "bot.cli_serve",
    "bot.cli_quality",
    "bot.cli_digest",
    "bot.cli_jobs",
    "bot.cli_ops",
    "bot.sandbox.cli",
    "bot.cli_snapshots",
    "bot.cli_model",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triagebot", description="Run and operate the triagebot Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in CLI_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    root = logging.getLogger()
    # Called in-process too (tests, the sandbox's helpers): leave the logging as it was found.
    saved = (root.level, list(root.handlers))
    try:
        settings = load_settings()
        check_domain_settings(settings)
        level = logging.INFO if args.command in SERVING_COMMANDS else logging.ERROR
        configure_logging(settings.triage_log_format, settings.secrets(), level=level)
        return int(args.handler(args, settings))
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
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "(no details)"


if __name__ == "__main__":
    raise SystemExit(main())
