"""What gets triaged: integration messages, a thread's parent on a bare mention, never the bot's own posts."""

from __future__ import annotations

from storage.models import Triage
from tests.support.app_under_test import Bot

ZENDESK_MESSAGE = {
    "type": "message",
    "subtype": "bot_message",
    "bot_id": "B0ZENDESK",
    "ts": "1700000000.000700",
    "text": "",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Ticket #88"}},
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [{"type": "text", "text": "I was charged twice for my subscription"}],
                }
            ],
        },
    ],
    "attachments": [{"fallback": "I was charged twice for my subscription", "title": "Customer: Ann"}],
}


def test_shortcut_triages_an_integration_message_whose_words_are_in_blocks_and_attachments(bot: Bot) -> None:
    response, _ = bot.send.message_shortcut("triage_message", "", message=ZENDESK_MESSAGE)
    assert response.status_code == 200
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000000.000700"
    (row,) = bot.rows(Triage)
    assert row.input_text == "Ticket #88\nI was charged twice for my subscription\nCustomer: Ann"
    assert row.category == "billing"
    assert bot.openai.chat_requests()[0]["messages"][1]["content"] == row.input_text


def test_shortcut_on_a_message_with_nothing_readable_says_so_in_its_own_terms(bot: Bot) -> None:
    image_only = {
        "type": "message",
        "user": "U0CUST",
        "ts": "1700000000.000800",
        "text": "",
        "blocks": [{"type": "image", "image_url": "https://x.test/a.png", "alt_text": "screenshot"}],
    }
    _, response_url = bot.send.message_shortcut("triage_message", "", message=image_only)
    token = response_url.rsplit("/", 1)[1]
    (answer,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "no text I can read" in answer.params["text"]
    assert "Paste the customer's message after the command" not in answer.params["text"]
    assert bot.rows(Triage) == []
    assert bot.openai.chat_requests() == []


def test_shortcut_on_the_bots_own_result_is_refused(bot: Bot) -> None:
    own = {
        "type": "message",
        "subtype": "bot_message",
        "user": "U0STANDINBOT",
        "bot_id": "B0STANDIN",
        "ts": "1700000000.000900",
        "text": "Triage: critical urgency, outage: Site down",
    }
    _, response_url = bot.send.message_shortcut("triage_message", "", message=own)
    token = response_url.rsplit("/", 1)[1]
    (answer,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "That is my own triage result" in answer.params["text"]
    assert bot.rows(Triage) == []
    assert bot.openai.chat_requests() == []


def test_bare_mention_in_a_thread_triages_the_threads_parent(bot: Bot) -> None:
    bot.slack.add_message(
        "C0SUPPORT",
        {
            "type": "message",
            "user": "U0CUST",
            "ts": "1700000000.000100",
            "text": "My account is locked and I cannot log in",
        },
    )
    bot.send.mention("", ts="1700000000.000150", thread_ts="1700000000.000100")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000000.000100"
    (replies,) = bot.slack.calls_to("conversations.replies")
    assert replies.params["ts"] == "1700000000.000100"
    assert str(replies.params["limit"]) == "1"
    (row,) = bot.rows(Triage)
    assert row.input_text == "My account is locked and I cannot log in"
    assert row.source == "mention"


def test_bare_mention_under_the_bots_own_post_is_refused(bot: Bot) -> None:
    bot.slack.add_message(
        "C0SUPPORT",
        {
            "type": "message",
            "bot_id": "B0STANDIN",
            "ts": "1700000000.000100",
            "text": "Triage: low urgency",
        },
    )
    bot.send.mention("", ts="1700000000.000150", thread_ts="1700000000.000100")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert "That is my own triage result" in post.params["text"]
    assert bot.rows(Triage) == []


def test_mention_help_explains_instead_of_triaging_the_word_help(bot: Bot) -> None:
    bot.send.mention("help", ts="1700000000.000160")
    (post,) = bot.slack.wait_for("chat.postMessage")
    assert "How to triage with me" in post.params["text"]
    assert post.params["thread_ts"] == "1700000000.000160"
    assert bot.rows(Triage) == []
    assert bot.openai.chat_requests() == []
