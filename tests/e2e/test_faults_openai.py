"""OpenAI misbehaving, end to end over HTTP: rate limits, 5xx, refused connections, timeouts.

Each failure must reach the agent as a message naming it, leave a failed Triage row with the right
error_kind, and leave the bot able to triage the next message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from storage.models import Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.serve_process import free_port
from tests.support.triage_requests import is_result, triage


def assert_recovers(bot: Bot) -> None:
    delivered = triage(bot, "Second try: the invoice shows a double charge")
    assert is_result(delivered), delivered.params
    assert bot.rows(Triage)[-1].status == "ok"


def test_rate_limit_with_retry_after_is_waited_out_and_the_agent_gets_the_result(bot: Bot) -> None:
    bot.openai.fail_next("rate_limit", retry_after=0.3)

    delivered = triage(bot)

    assert is_result(delivered)
    assert len(bot.openai.chat_requests()) == 2
    (row,) = bot.rows(Triage)
    assert row.status == "ok"


@pytest.mark.parametrize(
    ("fault", "kind", "says"),
    [
        ("server_error", "server_error", "server error (HTTP 500)"),
        ("overloaded", "server_error", "server error (HTTP 503)"),
        ("rate_limit", "rate_limited", "rate-limiting us (HTTP 429)"),
        ("disconnect", "unreachable", "Could not connect to endpoint `openai`"),
    ],
)
def test_failure_past_the_retries_is_named_recorded_and_the_next_triage_works(
    bot: Bot, fault: str, kind: str, says: str
) -> None:
    attempts = bot.settings.triage_model_max_retries + 1
    bot.openai.fail_next(fault, times=attempts, retry_after=0.1)  # type: ignore[arg-type]

    delivered = triage(bot)

    assert says in delivered.params["text"]
    assert "after 2 attempts" in delivered.params["text"]
    (row,) = bot.rows(Triage)
    assert (row.status, row.error_kind) == ("failed", kind)
    assert row.error_message and says in row.error_message
    assert_recovers(bot)


def test_timeout_names_the_limit_and_the_next_triage_works(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = bot_factory(sqlite_url, triage_model_timeout=0.5, triage_model_max_retries=0)
    bot.openai.hang_seconds = 3
    bot.openai.fail_next("timeout")

    delivered = triage(bot)

    assert "did not answer within 0.5 s" in delivered.params["text"]
    (row,) = bot.rows(Triage)
    assert (row.status, row.error_kind) == ("failed", "timeout")
    assert_recovers(bot)


def test_refused_connection_names_the_endpoint_and_is_recorded(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    closed = free_port()  # bound then released: nothing listens there
    bot = bot_factory(sqlite_url, openai_base_url=f"http://127.0.0.1:{closed}/v1")

    delivered = triage(bot)

    assert "Could not connect to endpoint `openai`" in delivered.params["text"]
    assert "base URL" in delivered.params["text"]
    (row,) = bot.rows(Triage)
    assert (row.status, row.error_kind) == ("failed", "unreachable")
    # And again: a dead endpoint must not wedge the bot.
    assert "Could not connect" in triage(bot).params["text"]
    assert len(bot.rows(Triage)) == 2


def test_off_schema_answer_is_named_recorded_and_the_next_triage_works(bot: Bot) -> None:
    bot.openai.fail_next("off_schema")

    delivered = triage(bot)

    assert "not in the triage format" in delivered.params["text"]
    (row,) = bot.rows(Triage)
    assert (row.status, row.error_kind) == ("failed", "off_schema")
    assert_recovers(bot)


def test_json_schema_rejection_falls_back_to_json_mode_once_and_logs_it(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.openai.reject_json_schema_models.add(LIVE_MODEL)
    with caplog.at_level(logging.WARNING, logger="bot.model_client"):
        for text in ("Invoice is wrong", "Card declined", "Refund missing"):
            assert is_result(triage(bot, text))

    formats = [r["response_format"]["type"] for r in bot.openai.chat_requests()]
    assert formats == ["json_schema", "json_object", "json_object", "json_object"]
    fallbacks = [r for r in caplog.records if "rejected json_schema" in r.getMessage()]
    assert len(fallbacks) == 1
    assert LIVE_MODEL in fallbacks[0].getMessage()
    assert {r.response_mode for r in bot.rows(Triage)} == {"json_object"}
