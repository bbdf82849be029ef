"""An eval set imported through the CLI into a served bot's database, the eval gate's message updates,
and its override modal submitted."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot import cli
from commands.ids import Action, Block, View
from storage.models import SwitchRequest
from tests.support.app_under_test import OPENAI_KEY, Bot
from tests.support.quality_services import CASES, jsonl


def with_eval_set(bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", bot.db_url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{bot.openai.base_url}/v1")
    source = tmp_path / "cases.jsonl"
    source.write_text(jsonl(CASES))
    assert cli.main(["eval", "import", str(source)]) == 0


def gate_update(bot: Bot, words: str) -> str:
    calls = bot.slack.wait_for("chat.update", lambda c: words in json.dumps(c.params), timeout=10)
    return json.dumps(calls[-1].params)


def import_cases(bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_bot_database(bot, monkeypatch, tmp_path)
    source = tmp_path / "cases.jsonl"
    source.write_text(jsonl(CASES))
    assert cli.main(["eval", "import", str(source)]) == 0


def use_bot_database(bot: Bot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", bot.db_url)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{bot.openai.base_url}/v1")

def submit_override(bot: Bot, request: SwitchRequest, user: str, reason: str | None) -> object:
    """The eval-gate override modal submitted by `user` with `reason`, as Slack sends it."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T0STANDIN", "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0STANDIN"},
        "api_app_id": "A0TRIAGEBOT",
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.123.ovr",
        "view": {
            "id": "V0000000009",
            "team_id": "T0STANDIN",
            "type": "modal",
            "callback_id": View.APPROVE_OVERRIDE,
            "private_metadata": json.dumps({"request_id": request.id}),
            "blocks": [],
            "state": {
                "values": {
                    Block.OVERRIDE_REASON: {
                        Action.OVERRIDE_REASON: {"type": "plain_text_input", "value": reason}
                    }
                }
            },
            "hash": "1.standin",
        },
        "response_urls": [],
    }
    return bot.send.interaction(payload)
