"""`triagebot check`: is this deployment configured right? One line per check, with the fix."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.check import CheckLine, run_checks
from bot.logs import RedactSecrets
from bot.model_client import ModelClient
from bot.settings import Settings
from storage.db import Database

# A check should answer in seconds: no long waits, no retries hiding a broken endpoint.
CHECK_TIMEOUT_SECONDS = 10.0
MARKS = {"ok": "ok", "failed": "FAILED", "warning": "warning"}


def add_commands(sub: Any) -> None:
    check = sub.add_parser(
        "check", help="verify the configuration against Slack, the model endpoints, the database"
    )
    check.set_defaults(handler=check_command)


def check_command(_args: argparse.Namespace, settings: Settings) -> int:
    lines = asyncio.run(collect(settings, datetime.now(UTC)))
    print(render(lines, RedactSecrets(settings.secrets())))
    return 1 if any(line.status == "failed" for line in lines) else 0


async def collect(settings: Settings, now: datetime) -> list[CheckLine]:
    from bot.app import slack_client
    from commands.slack_probe import SlackSdkProbe

    probe = SlackSdkProbe(slack_client(settings)) if settings.slack_bot_token else None
    models = ModelClient(
        settings.endpoints, timeout=min(settings.triage_model_timeout, CHECK_TIMEOUT_SECONDS), max_retries=0
    )
    db = Database(settings.database_url)
    try:
        return await run_checks(settings, probe, models, db, now)
    finally:
        await models.close()
        await db.dispose()


def render(lines: list[CheckLine], redact: RedactSecrets) -> str:
    width = max(len(line.name) for line in lines)
    out = []
    for line in lines:
        out.append(f"{MARKS[line.status]:<8} {line.name:<{width}}  {line.detail}")
        if line.fix and line.status != "ok":
            out.append(f"{'':<8} {'':<{width}}  fix: {line.fix}")
    failed = sum(line.status == "failed" for line in lines)
    warnings = sum(line.status == "warning" for line in lines)
    ok = len(lines) - failed - warnings
    out.append("")
    out.append(f"{ok} ok, {failed} failed, {warnings} warning(s).")
    return redact.redact("\n".join(out))
