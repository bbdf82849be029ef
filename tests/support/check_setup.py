"""`triagebot check` run in-process against the stand-ins: healthy settings, the run, one check's lines."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from bot.cli_ops import check_command
from bot.settings import Settings
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.support.app_under_test import BOT_TOKEN, OPENAI_KEY, SIGNING_SECRET, make_settings

APPROVALS = "C0APPROVALS"
DIGESTS = "C0DIGESTS"


def healthy(sqlite_url: str, slack: SlackStandIn, openai: OpenAIStandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "triage_approval_channel": APPROVALS,
        "triage_digest_channel": DIGESTS,
        "triage_approvers": ["U0LEAD"],
    }
    values.update(overrides)
    return make_settings(sqlite_url, slack, openai, **values)


def check(settings: Settings, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = check_command(argparse.Namespace(), settings)
    out = capsys.readouterr().out
    for secret in (BOT_TOKEN, OPENAI_KEY, SIGNING_SECRET, "s3cret-pw"):
        assert secret not in out
    return code, out


def line(out: str, name: str) -> str:
    """The check's line and its fix line, if any."""
    lines = out.splitlines()
    for i, text in enumerate(lines):
        if name in text and not text.startswith(" "):
            following = lines[i + 1] if i + 1 < len(lines) and "fix:" in lines[i + 1] else ""
            return text + "\n" + following
    raise AssertionError(f"no {name!r} line in:\n{out}")
