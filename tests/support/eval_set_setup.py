"""An eval set imported through the CLI into a served bot's database, and the eval gate's message updates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli
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
