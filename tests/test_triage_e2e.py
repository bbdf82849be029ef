"""/triage, the message shortcut and @mentions, end to end over HTTP against the stand-ins."""

from __future__ import annotations

import time

from storage.models import Triage
from tests.conftest import LIVE_MODEL, Bot


def test_slash_triage_acks_fast_then_delivers_result_with_model_id(bot: Bot) -> None:
    started = time.perf_counter()
    response, response_url = bot.send.command(
        "/triage", "Our whole site is down since 9am, customers cannot log in!"
    )
    ack_seconds = time.perf_counter() - started

    assert response.status_code == 200
    assert ack_seconds < 3
    ack = response.json()
    assert ack["response_type"] == "ephemeral"
    assert f"Triaging with `{LIVE_MODEL}`" in ack["text"]

    (delivered,) = bot.slack.wait_for(
        "response_url", lambda c: c.params.get("_token") and "blocks" in c.params
    )
    body = delivered.params
    assert body["replace_original"] is True
    rendered = str(body["blocks"])
    assert "Critical urgency" in rendered
    assert LIVE_MODEL in rendered
    assert " ms" in rendered

    (row,) = bot.rows(Triage)
    assert row.status == "ok"
    assert row.model_id == LIVE_MODEL
    assert row.urgency == "critical"
    assert row.source == "command"
    assert row.user_id == "U0AGENT"
    assert row.latency_ms is not None and row.prompt_tokens


def test_empty_triage_gets_usage_hint_and_records_nothing(bot: Bot) -> None:
    response, _ = bot.send.command("/triage", "   ")
    assert response.status_code == 200
    assert "Paste the customer's message" in response.json()["text"]
    assert bot.rows(Triage) == []
    assert bot.openai.chat_requests() == []
