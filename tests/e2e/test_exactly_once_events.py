"""Events API retries and duplicate deliveries: each event ID, and each mentioned message, is
triaged and answered once, whatever reason Slack gives for retrying (acked with 200 regardless)."""

from __future__ import annotations

import time

import httpx
import pytest

from commands.retries import delivery_keys
from storage.models import Triage
from tests.support.app_under_test import Bot

# Every X-Slack-Retry-Reason in Slack's Events API documentation, and a retry without one.
RETRY_REASONS = [
    "http_timeout",
    "too_many_requests",
    "http_error",
    "unknown_error",
    "ssl_error",
    "connection_failed",
    "HTTP_ERROR",  # header values compared case-insensitively would not matter: nothing is compared
    None,
]


def resend(bot: Bot, headers: dict[str, str], *, timestamp: int) -> httpx.Response:
    """The last event again, as Slack retries it: same body, fresh timestamp, so a fresh signature."""
    assert bot.send.last_sent is not None
    body, _ = bot.send.last_sent
    return bot.send.post(body, "application/json", headers=headers, timestamp=timestamp)


@pytest.mark.parametrize("reason", RETRY_REASONS)
def test_a_retried_mention_is_triaged_and_answered_once(bot: Bot, reason: str | None) -> None:
    first = bot.send.mention("Refund please, charged twice", ts="1700000000.000700", event_id="Ev0RETRY")
    assert first.status_code == 200
    bot.slack.wait_for("chat.postMessage")
    for attempt in (1, 2, 3):
        headers = {"X-Slack-Retry-Num": str(attempt)}
        if reason is not None:
            headers["X-Slack-Retry-Reason"] = reason
        retry = resend(bot, headers, timestamp=int(time.time()) + attempt)
        assert retry.status_code == 200
    bot.wait_until_idle()  # a wrongly accepted retry would have answered by now
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert len(bot.rows(Triage)) == 1


def test_one_message_delivered_as_two_events_is_answered_once(bot: Bot) -> None:
    bot.send.mention("Cannot log in since the update", ts="1700000000.000800", event_id="Ev0ONE")
    bot.slack.wait_for("chat.postMessage")
    again = bot.send.mention("Cannot log in since the update", ts="1700000000.000800", event_id="Ev0TWO")
    assert again.status_code == 200
    bot.wait_until_idle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert len(bot.rows(Triage)) == 1


def test_different_messages_are_each_answered(bot: Bot) -> None:
    bot.send.mention("First problem", ts="1700000000.000901")
    bot.send.mention("Second problem", ts="1700000000.000902")
    bot.slack.wait_for("chat.postMessage", count=2)
    assert len(bot.rows(Triage)) == 2


def test_delivery_keys() -> None:
    mention = {"type": "app_mention", "channel": "C1", "ts": "1.2"}
    assert delivery_keys({"type": "event_callback", "event_id": "Ev1", "event": mention}) == [
        "event:Ev1",
        "mention:C1:1.2",
    ]
    home = {"type": "app_home_opened", "user": "U1"}
    assert delivery_keys({"type": "event_callback", "event_id": "Ev2", "event": home}) == ["event:Ev2"]
    assert delivery_keys({"type": "url_verification", "challenge": "x"}) == []
    assert delivery_keys({"command": "/triage"}) == []
