"""/triage, the message shortcut, @mentions and sharing, end to end over HTTP against the stand-ins."""

from __future__ import annotations

import time

from storage.models import Triage
from tests.support.app_under_test import LIVE_MODEL, Bot


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

    token = response_url.rsplit("/", 1)[1]
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    body = delivered.params
    assert body["replace_original"] is True
    rendered = str(body["blocks"])
    assert "Critical urgency" in rendered
    assert LIVE_MODEL in rendered
    assert " ms" in rendered
    assert "Share in channel" in rendered

    (row,) = bot.rows(Triage)
    assert row.status == "ok"
    assert (row.model_id, row.endpoint) == (LIVE_MODEL, "openai")
    assert row.urgency == "critical"
    assert (row.source, row.user_id, row.channel_id) == ("command", "U0AGENT", "C0SUPPORT")
    assert row.latency_ms is not None and row.prompt_tokens and row.completion_tokens
    assert row.response_mode == "json_schema"


def test_model_is_called_with_strict_json_schema_and_configured_categories(bot_factory, sqlite_url) -> None:
    bot = bot_factory(sqlite_url, triage_categories="refunds,shipping,other")
    bot.send.command("/triage", "Where is my parcel? Shipping was promised for Monday.")
    bot.slack.wait_for("response_url")
    (request,) = bot.openai.chat_requests()
    schema = request["response_format"]["json_schema"]
    assert request["response_format"]["type"] == "json_schema"
    assert schema["strict"] is True
    assert request["model"] == LIVE_MODEL
    assert "refunds, shipping, other" in request["messages"][0]["content"]
    (row,) = bot.rows(Triage)
    assert row.category == "shipping"


def test_empty_triage_gets_usage_hint_and_records_nothing(bot: Bot) -> None:
    response, _ = bot.send.command("/triage", "   ")
    assert response.status_code == 200
    assert "Paste the customer's message" in response.json()["text"]
    assert bot.rows(Triage) == []
    assert bot.openai.chat_requests() == []


def test_over_long_message_is_refused_naming_the_limit(bot_factory, sqlite_url) -> None:
    bot = bot_factory(sqlite_url, triage_max_input_chars=100)
    response, _ = bot.send.command("/triage", "x" * 101)
    text = response.json()["text"]
    assert "101 characters" in text and "limit is 100" in text and "TRIAGE_MAX_INPUT_CHARS" in text
    assert bot.rows(Triage) == []
    assert bot.openai.chat_requests() == []


def test_message_shortcut_replies_in_the_message_thread(bot: Bot) -> None:
    response, _ = bot.send.message_shortcut(
        "triage_message", "I was charged twice on my invoice", message_ts="1700000000.000200"
    )
    assert response.status_code == 200
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post.params["channel"] == "C0SUPPORT"
    assert post.params["thread_ts"] == "1700000000.000200"
    assert LIVE_MODEL in str(post.params["blocks"])
    (row,) = bot.rows(Triage)
    assert row.source == "shortcut" and row.category == "billing"


def test_shortcut_on_a_threaded_reply_answers_in_the_same_thread(bot: Bot) -> None:
    bot.send.message_shortcut(
        "triage_message",
        "Please help, refund missing",
        message_ts="1700000000.000500",
        thread_ts="1700000000.000100",
    )
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000000.000100"


def test_mention_triages_the_text_after_the_mention_in_thread(bot: Bot) -> None:
    response = bot.send.mention("My account is locked and I cannot log in", ts="1700000000.000300")
    assert response.status_code == 200
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000000.000300"
    (row,) = bot.rows(Triage)
    assert row.source == "mention"
    assert row.input_text == "My account is locked and I cannot log in"
    assert "<@" not in bot.openai.chat_requests()[0]["messages"][1]["content"]


def test_empty_mention_gets_the_usage_hint_in_thread(bot: Bot) -> None:
    bot.send.mention("", ts="1700000000.000400")
    (post,) = bot.slack.wait_for("chat.postMessage")
    # A hint about mentions, not about /triage (issue 9).
    assert "Mention me with the customer's message" in post.params["text"]
    assert "/triage" not in post.params["text"]
    assert post.params["thread_ts"] == "1700000000.000400"
    assert bot.rows(Triage) == []


def test_share_in_channel_posts_the_recorded_result_visibly(bot: Bot) -> None:
    bot.send.command("/triage", "Feature request: dark mode please")
    bot.slack.wait_for("response_url")
    (row,) = bot.rows(Triage)
    response, response_url = bot.send.block_action("share_triage", str(row.id), user_id="U0SHARER")
    assert response.status_code == 200
    token = response_url.rsplit("/", 1)[1]
    (shared,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert shared.params["response_type"] == "in_channel"
    assert "<@U0SHARER>" in str(shared.params["blocks"])
    assert LIVE_MODEL in str(shared.params["blocks"])
    assert "share_triage" not in str(shared.params["blocks"])


def test_share_of_unknown_triage_says_so(bot: Bot) -> None:
    _, response_url = bot.send.block_action("share_triage", "999999")
    token = response_url.rsplit("/", 1)[1]
    (answer,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "no longer exists" in answer.params["text"]


def test_unknown_model_is_reported_and_recorded_as_failed(bot: Bot) -> None:
    bot.openai.remove_model(LIVE_MODEL)
    bot.send.command("/triage", "Hello, my invoice is wrong")
    (answer,) = bot.slack.wait_for("response_url")
    assert "no model" in answer.params["text"] and LIVE_MODEL in answer.params["text"]
    (row,) = bot.rows(Triage)
    assert row.status == "failed" and row.error_kind == "unknown_model"


def test_off_schema_answer_is_reported_and_recorded(bot: Bot) -> None:
    bot.openai.script("whatever", {"urgency": "whenever", "category": "billing"})
    bot.send.command("/triage", "whatever happens, my invoice is wrong")
    (answer,) = bot.slack.wait_for("response_url")
    assert "not in the triage format" in answer.params["text"]
    (row,) = bot.rows(Triage)
    assert row.status == "failed" and row.error_kind == "off_schema"


def test_endpoint_without_structured_outputs_falls_back_to_json_mode(bot: Bot) -> None:
    bot.openai.reject_json_schema_models.add(LIVE_MODEL)
    for n in range(2):
        bot.send.command("/triage", f"Invoice {n} is wrong, I was overcharged")
        bot.slack.wait_for("response_url", count=n + 1)
    rows = bot.rows(Triage)
    assert [r.status for r in rows] == ["ok", "ok"]
    assert {r.response_mode for r in rows} == {"json_object"}
    formats = [r["response_format"]["type"] for r in bot.openai.chat_requests()]
    # One refused json_schema attempt, then JSON mode only: the fallback is remembered.
    assert formats == ["json_schema", "json_object", "json_object"]


def test_a_refusal_right_after_the_ack_still_answers_200(bot: Bot) -> None:
    """Bolt's runner used to overwrite an ack with None when the listener failed within its 10 ms poll."""
    for _ in range(5):
        response, _ = bot.send.block_action("share_triage", "not-a-number")
        assert response.status_code == 200
    answers = bot.slack.wait_for("response_url", count=5)
    assert all("out of date" in a.params["text"] for a in answers)


def test_a_mention_retried_for_a_late_ack_is_not_triaged_twice(bot: Bot) -> None:
    bot.send.mention("Refund please, charged twice", ts="1700000000.000700")
    bot.slack.wait_for("chat.postMessage")
    retry = bot.send.mention(
        "Refund please, charged twice",
        ts="1700000000.000700",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200
    after_error = bot.send.mention(
        "Refund please, charged twice",
        ts="1700000000.000700",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"},
    )
    assert after_error.status_code == 200
    bot.wait_until_idle()
    # Whatever the retry reason, the first delivery was acted on: no second triage (H3).
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert len(bot.rows(Triage)) == 1
