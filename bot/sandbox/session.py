"""Start the sandbox: banner, logs to a file (the terminal is for the conversation), world, console."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from bot.logs import JsonFormatter, PlainFormatter, RedactSecrets
from bot.sandbox.cli_env import write_cli_env
from bot.sandbox.console import Console
from bot.sandbox.data import describe, existing_data
from bot.sandbox.world import BETTER_MODEL, LIVE_MODEL, World, sandbox_world

BANNER = """\
┌──────────────────────────────────────────────────────────────────────────────┐
│ triagebot SANDBOX: no Slack workspace, no OpenAI account, nothing leaves     │
│ this machine. Slack and the OpenAI API are local stand-ins; the "model" is a │
│ keyword heuristic posing as fine-tuned models, not a real model.             │
└──────────────────────────────────────────────────────────────────────────────┘
The real bot is running against them; what it says in "Slack" is printed here.
You are @agent in #support. @lead approves model switches in #approvals;
digests go to #quality.  Data: {db}   Log: {log}

Try, in order:
  /triage Our checkout page is down and customers cannot pay!
  /model                                what is live, and since when
  /model list                           the fine-tuned models this key can use
  /model switch {better} better on billing
  as lead        then  click N          approve the request (N is the button's number)
  as agent       then  /triage I was charged twice this month
  /model rollback back to v1            (as lead: at once; as agent: needs approval)
  /digest                               how the live model is doing
Type `help` for everything, `quit` to leave.

To connect a real workspace: create a Slack app from app.yaml (api.slack.com/apps >
Create New App > From an app manifest), install it, put SLACK_BOT_TOKEN,
SLACK_SIGNING_SECRET, OPENAI_API_KEY and TRIAGE_DEFAULT_MODEL in .env, run
`triagebot check`, then `make run` (it serves Slack once those are set).
"""


def log_to_file(path: Path, fmt: str, secrets: list[str]) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter() if fmt == "json" else PlainFormatter())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]


def banner(world: World, log_path: Path) -> str:
    return BANNER.format(db=world.db_path, log=log_path, better=BETTER_MODEL, live=LIVE_MODEL)


def confirm_wipe(db_path: Path, counts: dict[str, int], assume_yes: bool) -> bool:
    """`--fresh` on a database with work in it deletes that work: ask first (a person is at the
    terminal); without a terminal to ask, only `--yes` may."""
    if assume_yes:
        return True
    what = describe(counts)
    if not sys.stdin.isatty():
        print(f"{db_path} holds {what}; --fresh would delete them. Add --yes to go ahead.", file=sys.stderr)
        return False
    try:
        answer = input(f"{db_path} holds {what}. Delete them and start over? [y/N] ")
    except (EOFError, KeyboardInterrupt):
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def run_sandbox(*, db_path: Path, fresh: bool, log_format: str, assume_yes: bool = False) -> int:
    counts = existing_data(db_path)
    if fresh and counts and not confirm_wipe(db_path, counts, assume_yes):
        print("Nothing was deleted.")
        return 1
    log_path = db_path.with_suffix(".log")
    # Quiet until the world is up: start-up chatter (migrations) goes to the file too.
    log_to_file(log_path, log_format, [])
    print("Starting the sandbox (local stand-ins, the bot, a SQLite database)…", flush=True)
    with sandbox_world(db_path, fresh=fresh, log_format=log_format) as world:
        log_to_file(log_path, log_format, world.settings.secrets())
        print(banner(world, log_path), flush=True)
        env_file = write_cli_env(world.settings, db_path)
        print(
            f"While it runs, the command line works against it too, e.g. in another terminal:\n"
            f"  (set -a; . ./{env_file.name}; .venv/bin/triagebot eval run)\n",
            flush=True,
        )
        if counts and not fresh:
            print(
                f"Picked up the data already in {db_path}: {describe(counts)}. "
                "Start over with `make run ARGS=--fresh` (or `triagebot sandbox --fresh`).\n",
                flush=True,
            )
        return Console(world).run()
