"""Slack rate-limiting or failing our posts: retried per Retry-After and delivered exactly once.

The stand-in records refused calls in `rejected` and accepted ones in `calls`, so "exactly once"
is one accepted call per target after the refusals.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.app import slack_client
from bot.standins.slack_api import SlackCall
from storage.models import Triage
from tests.support.app_under_test import Bot


def token_of(response_url: str) -> str:
    return response_url.rsplit("/", 1)[1]


def refused(bot: Bot, method: str) -> list[SlackCall]:
    return [c for c in bot.slack.rejected if c.method == method]


@pytest.mark.parametrize("status", [429, 503])
def test_response_url_refusal_is_retried_and_the_result_delivered_once(bot: Bot, status: int) -> None:
    bot.slack.fail_next("response_url", status=status, retry_after=1)

    _, response_url = bot.send.command("/triage", "Our checkout page throws an error")
    token = token_of(response_url)
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token, timeout=10)

    assert "blocks" in delivered.params
    assert len(refused(bot, "response_url")) == 1
    bot.wait_until_idle()  # a duplicate would have arrived by now
    assert len([c for c in bot.slack.calls_to("response_url") if c.params["_token"] == token]) == 1


def test_rate_limited_error_message_still_reaches_the_agent(bot: Bot) -> None:
    """The error path uses the same retrying response_url client."""
    bot.openai.fail_next("server_error", times=2)
    bot.slack.fail_next("response_url", status=429, retry_after=1)

    _, response_url = bot.send.command("/triage", "Our checkout page throws an error")
    token = token_of(response_url)
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token, timeout=10)

    assert "server error" in delivered.params["text"]
    assert len(refused(bot, "response_url")) == 1


def test_shortcut_post_rate_limited_is_retried_and_posted_once(bot: Bot) -> None:
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1)

    response, _ = bot.send.message_shortcut("triage_message", "Site is down for everyone!")
    assert response.status_code == 200
    (posted,) = bot.slack.wait_for("chat.postMessage", timeout=10)

    assert posted.params["thread_ts"] == "1700000000.000200"
    assert len(refused(bot, "chat.postMessage")) == 1
    bot.wait_until_idle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert len(bot.rows(Triage)) == 1


def test_mention_reply_after_a_slack_server_error_is_posted_once(bot: Bot) -> None:
    bot.slack.fail_next("chat.postMessage", status=500)

    assert bot.send.mention("my invoice is wrong").status_code == 200
    bot.slack.wait_for("chat.postMessage", timeout=10)

    assert len(refused(bot, "chat.postMessage")) == 1
    bot.wait_until_idle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


async def test_app_web_client_retries_rate_limited_chat_update(bot: Bot) -> None:
    """chat.update goes through the same client the listeners get; it honours Retry-After."""
    bot.slack.add_message("C0SUPPORT", {"ts": "1700000000.000100", "text": "original"})
    bot.slack.fail_next("chat.update", status=429, retry_after=1)
    client = slack_client(bot.settings)

    started = time.monotonic()
    reply = await client.chat_update(channel="C0SUPPORT", ts="1700000000.000100", text="updated")

    assert reply["ok"]
    assert time.monotonic() - started >= 0.9  # waited for Retry-After before the second attempt
    assert len(refused(bot, "chat.update")) == 1
    assert len(bot.slack.calls_to("chat.update")) == 1


def test_fifty_concurrent_triages_on_sqlite_are_all_recorded_and_delivered(bot: Bot) -> None:
    bot.openai.latency = 0.2  # so the fifty really overlap in the model call and the writes

    def send(n: int) -> str:
        response, response_url = bot.send.command(
            "/triage", f"Customer {n}: I was charged twice", user_id=f"U0AGENT{n:02d}"
        )
        assert response.status_code == 200, response.text
        return token_of(response_url)

    with ThreadPoolExecutor(max_workers=50) as pool:
        tokens = set(pool.map(send, range(50)))

    delivered = bot.slack.wait_for(
        "response_url", lambda c: c.params["_token"] in tokens and "blocks" in c.params, timeout=30, count=50
    )
    assert {c.params["_token"] for c in delivered} == tokens
    rows = bot.rows(Triage)
    assert len(rows) == 50
    assert {r.status for r in rows} == {"ok"}
    assert {r.input_text for r in rows} == {f"Customer {n}: I was charged twice" for n in range(50)}


def test_response_url_refused_for_good_is_logged_without_the_url(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """An expired response URL is not retried; the failure is logged, but never the URL (a credential)."""
    bot.slack.fail_next("response_url", error="expired_url")

    _, response_url = bot.send.command("/triage", "Our checkout page throws an error")
    token = token_of(response_url)
    # The triage exists: the agent is told where to find it, not that "nothing was changed" (issue 9).
    (told,) = bot.slack.wait_for("chat.postEphemeral", timeout=10)

    assert "was produced but Slack refused to show it" in told.params["text"]
    assert len(refused(bot, "response_url")) == 1  # a 400 is final: no retry
    deadline = time.monotonic() + 5  # the refusal is logged by the listener task, maybe just after
    while "expired_url" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "expired_url" in caplog.text
    assert token not in caplog.text
