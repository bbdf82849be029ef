"""/digest privately, and `triagebot digest` on the terminal or posted now."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, Bot
from tests.support.review_requests import triage_and_get_buttons

CHANNEL = "C0DIGEST"


def cli_env(bot: Bot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **extra: str) -> None:
    monkeypatch.chdir(tmp_path)
    values = {
        "DATABASE_URL": bot.db_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{bot.openai.base_url}/v1",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": f"{bot.slack.base_url}/api/",
        **extra,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_digest_command_answers_privately(bot: Bot) -> None:
    triage_and_get_buttons(bot)

    response, _ = bot.send.command("/digest", "", user_id="U0LEAD")

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    (delivered,) = bot.slack.wait_for(
        "response_url", lambda c: "Triage model digest" in str(c.params.get("blocks"))
    )
    assert delivered.params["response_type"] == "ephemeral"
    rendered = str(delivered.params["blocks"])
    assert LIVE_MODEL in rendered and "Triage: 1 by the live model" in rendered
    assert bot.slack.calls_to("chat.postMessage") == []  # nothing public


def test_digest_command_takes_a_number_of_days_and_explains_bad_input(bot: Bot) -> None:
    response, _ = bot.send.command("/digest", "soon")
    assert "/digest 7" in response.json()["text"]
    bot.send.command("/digest", "7")
    (delivered,) = bot.slack.wait_for(
        "response_url", lambda c: "Triage model digest" in str(c.params.get("blocks"))
    )
    assert "No data in this period" in str(delivered.params["blocks"])


def test_cli_digest_prints_and_posts(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env(bot, monkeypatch, tmp_path)
    assert cli.main(["digest"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Triage model digest") and f"Live model: {LIVE_MODEL}" in out
    assert "No data in this period" in out

    assert cli.main(["digest", "--post"]) == 2
    assert "TRIAGE_DIGEST_CHANNEL" in capsys.readouterr().err

    monkeypatch.setenv("TRIAGE_DIGEST_CHANNEL", CHANNEL)
    assert cli.main(["digest", "--post", "--days", "3"]) == 0
    assert f"Digest posted to {CHANNEL}." in capsys.readouterr().out
    (post,) = bot.slack.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL and "Triage model digest" in str(post.params["blocks"])
