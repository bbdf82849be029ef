"""Hostile model output: whatever the model says, the message Slack gets pings nobody, links nowhere,
breaks no formatting, fits Block Kit's limits, and says when it was cut short."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.triage import TriageResult
from commands import text
from commands.block_kit import as_dicts
from commands.triage import blocks
from tests.support.app_under_test import Bot

HOSTILE = (
    "<!channel> <!here> <!everyone> <@U123> <@U123|boss> <#C123> <!subteam^S123> @here @channel "
    "@everyone <http://evil.example|click here> <mailto:x@evil.example|mail> ``` *bold _it ~strike "
    "&lt;!channel&gt; > quote :skull: \u202e\u0000"
)
LONG = "Customer rambles. " * 400  # 7,200 characters: past every Block Kit text limit we use
SHARER = "U0AGENT"

# Anything Slack would turn into a ping, a link or a channel reference inside mrkdwn.
_ACTIVE_SYNTAX = re.compile(r"<[!@#]|<(https?|mailto):", re.IGNORECASE)
_LOOSE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_BARE_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def hostile_answer(summary: str = HOSTILE, next_step: str = HOSTILE) -> dict[str, Any]:
    return {"urgency": "high", "category": "billing", "summary": summary, "next_step": next_step}


def text_objects(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every text object in a block tree, with the path of keys that led to it."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            found.append((where, node))
        for key, value in node.items():
            found += text_objects(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            found += text_objects(item, where)
    return found


def assert_safe_mrkdwn(value: str, *, allowed_mentions: tuple[str, ...] = ()) -> None:
    for mention in allowed_mentions:
        value = value.replace(mention, "")
    assert not _ACTIVE_SYNTAX.search(value), value
    assert not _BARE_BROADCAST.search(value), value
    assert ">" not in value.replace("&gt;", ""), value  # no half of a <link|label> either
    assert not _LOOSE_AMPERSAND.search(value), value  # every & starts an entity: none cut in half


def assert_valid_message(message: dict[str, Any], *, allowed_mentions: tuple[str, ...] = ()) -> None:
    """What Slack would reject or render dangerously, checked against its documented limits."""
    fallback = message["text"]
    assert len(fallback) <= text.FALLBACK_TEXT_MAX
    assert_safe_mrkdwn(fallback)
    for block in message.get("blocks") or []:
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= text.SECTION_TEXT_MAX
            assert len(block.get("fields", [])) <= 10
            for field in block.get("fields", []):
                assert len(field["text"]) <= text.FIELD_TEXT_MAX
        elif block["type"] == "context":
            for element in block["elements"]:
                assert len(element["text"]) <= text.CONTEXT_TEXT_MAX
        elif block["type"] == "actions":
            for element in block["elements"]:
                assert len(element.get("value", "")) <= text.BUTTON_VALUE_MAX
                assert len(element["text"]["text"]) <= 75
        for where, obj in text_objects(block):
            if obj["type"] == "mrkdwn":
                assert_safe_mrkdwn(obj["text"], allowed_mentions=allowed_mentions)
            else:
                assert obj.get("emoji") is not True or ":" not in obj["text"], where


def plain_texts(message: dict[str, Any]) -> list[str]:
    return [
        obj["text"] for _, obj in text_objects(message.get("blocks") or []) if obj["type"] == "plain_text"
    ]


def test_hostile_summary_in_slash_result_is_inert(bot: Bot) -> None:
    bot.openai.script("hostile", hostile_answer())
    _, response_url = bot.send.command("/triage", "hostile customer message")
    token = response_url.rsplit("/", 1)[1]
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)

    assert_valid_message(delivered.params)
    # Shown verbatim, as plain text: the agent sees what the model said, Slack parses none of it.
    # (Control characters such as NUL are dropped before the answer is stored.)
    assert HOSTILE.replace("\x00", "") in plain_texts(delivered.params)


def test_too_long_model_output_is_truncated_with_a_marker(bot: Bot) -> None:
    bot.openai.script("long", hostile_answer(summary=LONG + HOSTILE, next_step=HOSTILE + LONG))
    _, response_url = bot.send.command("/triage", "long customer message")
    token = response_url.rsplit("/", 1)[1]
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)

    assert_valid_message(delivered.params)
    cut = [t for t in plain_texts(delivered.params) if t.endswith(text.TRUNCATION_MARK)]
    assert len(cut) == 2
    assert delivered.params["text"].endswith(text.TRUNCATION_MARK)


def test_hostile_output_in_thread_replies_and_shares_is_inert(bot: Bot) -> None:
    bot.openai.script("hostile", hostile_answer(summary=HOSTILE + LONG))
    bot.send.message_shortcut("triage_message", "hostile message from a customer")
    bot.send.mention("hostile message again")
    posts = bot.slack.wait_for("chat.postMessage", count=2)
    for post in posts:
        assert_valid_message(post.params)

    triage_id = next(
        e["value"]
        for b in posts[0].params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "share_triage"
    )
    _, response_url = bot.send.block_action("share_triage", triage_id, user_id=SHARER)
    token = response_url.rsplit("/", 1)[1]
    (shared,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert shared.params["response_type"] == "in_channel"
    assert_valid_message(shared.params, allowed_mentions=(f"<@{SHARER}>",))


_AMPERSANDS = st.text(alphabet="&<>@here ", min_size=1, max_size=4_000)


@settings(max_examples=60, deadline=None)
@given(
    summary=st.one_of(st.text(min_size=1, max_size=4_000), _AMPERSANDS),
    next_step=st.text(min_size=1, max_size=4_000),
    model_id=st.text(min_size=1, max_size=256),
)
def test_any_result_renders_within_limits_and_inert(summary: str, next_step: str, model_id: str) -> None:
    result = TriageResult(
        triage_id=7,
        endpoint="openai",
        model_id=model_id,
        urgency="low",
        category="billing",
        summary=summary,
        next_step=next_step,
        latency_ms=1234,
    )
    for shared_by in (None, SHARER):
        message = {
            "text": blocks.result_text(result),
            "blocks": as_dicts(blocks.result_blocks(result, shared_by=shared_by)),
        }
        assert_valid_message(message, allowed_mentions=(f"<@{SHARER}>",) if shared_by else ())
