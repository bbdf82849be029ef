"""Results reach the agent wherever they are, and every triage row says where its answer went."""

from __future__ import annotations

import time

import pytest

from commands.errors import UNEXPECTED
from storage.models import DeliveryStatus, Triage
from tests.support.app_under_test import Bot


def _token(response_url: str) -> str:
    return response_url.rsplit("/", 1)[1]


def test_slash_triage_shown_is_recorded_delivered(bot: Bot) -> None:
    bot.send.command("/triage", "Our whole site is down since 9am")
    bot.slack.wait_for("response_url")
    _wait_for_row(bot, DeliveryStatus.DELIVERED)


def test_shortcut_in_a_private_channel_without_the_bot_falls_back_to_the_response_url(
    bot_factory, any_db_url
) -> None:
    bot = bot_factory(any_db_url)
    bot.slack.missing_channels.add("G0PRIVATE")
    _, response_url = bot.send.message_shortcut(
        "triage_message", "I was charged twice on my invoice", channel_id="G0PRIVATE"
    )
    (shown,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == _token(response_url))
    assert shown.params["response_type"] == "ephemeral"
    rendered = str(shown.params["blocks"])
    assert "urgency" in rendered and "/invite @triagebot" in rendered
    assert UNEXPECTED not in str(shown.params)
    assert bot.slack.calls_to("chat.postMessage") == []
    row = _wait_for_row(bot, DeliveryStatus.FALLBACK)
    assert row.status == "ok"


def test_shortcut_where_the_bot_is_not_in_channel_falls_back_too(bot: Bot) -> None:
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")
    _, response_url = bot.send.message_shortcut("triage_message", "Refund still missing after 2 weeks")
    (shown,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == _token(response_url))
    assert "/invite @triagebot" in str(shown.params["blocks"])
    _wait_for_row(bot, DeliveryStatus.FALLBACK)


def test_shortcut_refused_everywhere_is_recorded_undelivered_not_reported_as_nothing_changed(
    bot: Bot,
) -> None:
    bot.slack.missing_channels.add("G0PRIVATE")
    bot.slack.fail_next("response_url", status=404, times=10)
    bot.send.message_shortcut("triage_message", "I was charged twice on my invoice", channel_id="G0PRIVATE")
    _wait_for_row(bot, DeliveryStatus.UNDELIVERED)
    assert not any(UNEXPECTED in str(call.params) for call in bot.slack.calls)


def test_mention_where_the_thread_refuses_goes_ephemeral_to_the_mentioning_agent(bot: Bot) -> None:
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")
    bot.send.mention("My account is locked and I cannot log in", user_id="U0AGENT", channel_id="C0SUPPORT")
    (shown,) = bot.slack.wait_for("chat.postEphemeral")
    assert shown.params["user"] == "U0AGENT" and shown.params["channel"] == "C0SUPPORT"
    assert "/invite @triagebot" in str(shown.params["blocks"])
    _wait_for_row(bot, DeliveryStatus.FALLBACK)


def test_mention_refused_everywhere_is_recorded_undelivered(bot: Bot) -> None:
    bot.slack.fail_next("chat.postMessage", error="channel_not_found", times=5)
    bot.slack.fail_next("chat.postEphemeral", error="channel_not_found", times=5)
    bot.send.mention("My account is locked and I cannot log in")
    row = _wait_for_row(bot, DeliveryStatus.UNDELIVERED)
    assert row.status == "ok"
    assert bot.slack.calls_to("chat.postMessage") == []


def test_model_failure_in_a_private_channel_still_reaches_the_agent(bot: Bot) -> None:
    bot.openai.fail_next("server_error", times=5)
    bot.slack.missing_channels.add("G0PRIVATE")
    _, response_url = bot.send.message_shortcut(
        "triage_message", "Where is my order?", channel_id="G0PRIVATE"
    )
    (shown,) = bot.slack.wait_for(
        "response_url", lambda c: c.params["_token"] == _token(response_url), timeout=15
    )
    assert UNEXPECTED not in shown.params["text"]
    row = _wait_for_row(bot, DeliveryStatus.FALLBACK)
    assert row.status == "failed"


@pytest.mark.parametrize("status", [429, 503])
def test_slash_result_slack_keeps_refusing_is_recorded_undelivered_and_the_agent_told_where_it_is(
    bot: Bot, status: int
) -> None:
    # More refusals than the response_url retries allow (3 for rate limits, 2 for server errors).
    bot.slack.fail_next("response_url", status=status, retry_after=1, times=4)
    bot.send.command("/triage", "Our whole site is down since 9am", user_id="U0AGENT", channel_id="C0SUPPORT")
    (told,) = bot.slack.wait_for("chat.postEphemeral", timeout=15)
    row = _wait_for_row(bot, DeliveryStatus.UNDELIVERED)
    assert row.status == "ok"
    assert f"Your triage #{row.id} was produced but Slack refused to show it" in told.params["text"]
    assert "/triage history" in told.params["text"]
    assert (told.params["user"], told.params["channel"]) == ("U0AGENT", "C0SUPPORT")


def _wait_for_row(bot: Bot, status: DeliveryStatus, timeout: float = 15.0) -> Triage:
    """The only triage row, once its delivery is recorded (just after the post that delivered it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = bot.rows(Triage)
        if rows and rows[0].delivery_status == status:
            return rows[0]
        time.sleep(0.05)
    raise AssertionError(f"no triage row reached {status}: {bot.rows(Triage)}")


def test_the_request_log_line_says_where_the_answer_went(bot: Bot, caplog) -> None:
    caplog.set_level("INFO", logger="triagebot.requests")
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")
    bot.send.message_shortcut("triage_message", "Refund still missing after 2 weeks")
    _wait_for_row(bot, DeliveryStatus.FALLBACK)
    deadline = time.monotonic() + 5
    lines: list = []
    while not lines and time.monotonic() < deadline:
        lines = [r for r in caplog.records if r.getMessage() == "slack request" and "delivery" in r.fields]
        time.sleep(0.05)
    (line,) = lines
    assert line.fields["delivery"] == "fallback" and line.fields["outcome"] == "ok"
