"""What Slack refuses in a message or view, and the unescaped special mentions in what it accepts.

The refusals mirror Slack's: ``invalid_blocks`` for a block slack_sdk's models reject (or more
than 50 in a message), ``invalid_arguments`` for a view they reject (more than 100 blocks...),
``msg_too_long`` for text over 40,000 characters. The scan finds ``<!channel>``, ``<!here>``,
``<!everyone>`` and ``<!subteam^…>`` (any ``<!`` but ``<!date^…>``) wherever Slack would render
mrkdwn: a bot that echoes user input there pings a whole channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = ["MAX_MESSAGE_BLOCKS", "MAX_TEXT", "blocks_problem", "special_mentions", "view_problem"]

MAX_MESSAGE_BLOCKS = 50
MAX_TEXT = 40_000
_SPECIAL_MENTION = re.compile(r"<!(?!date\^)[^>]*>?")


def blocks_problem(blocks: Any) -> str | None:
    """Why Slack would answer ``invalid_blocks`` to a message's ``blocks``; None if it would not."""
    if not isinstance(blocks, list):
        return "blocks must be a JSON array"
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        return f"a message holds at most {MAX_MESSAGE_BLOCKS} blocks, not {len(blocks)}"
    for index, block in enumerate(blocks):
        if problem := _block_problem(block):
            return f"blocks[{index}]: {problem}"
    return None


def view_problem(view: Any) -> str | None:
    """Why Slack would refuse a view (``invalid_arguments``); None if it would not."""
    if not isinstance(view, dict):
        return "view must be a JSON object"
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        return str(exc)
    for index, block in enumerate(view.get("blocks") or []):
        if problem := _block_problem(block):
            return f"view.blocks[{index}]: {problem}"
    return None


def _block_problem(block: Any) -> str | None:
    if not isinstance(block, dict):
        return "a block must be a JSON object"
    try:
        parsed = Block.parse(block)
        if parsed is None or type(parsed) is Block:  # an unknown type parses to a bare Block
            return f"unknown block type {block.get('type')!r}"
        parsed.validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError) as exc:
        return str(exc) or type(exc).__name__
    return None


def special_mentions(payload: dict[str, Any]) -> list[str]:
    """Every mrkdwn string in a Slack-bound payload holding an unescaped special mention."""
    return [text for text in _mrkdwn_strings(payload) if _SPECIAL_MENTION.search(text)]


def _mrkdwn_strings(payload: dict[str, Any]) -> Iterator[str]:
    # Top-level text is rendered as mrkdwn (and is what notifications show).
    if isinstance(payload.get("text"), str):
        yield payload["text"]
    for key in ("blocks", "view"):
        yield from _text_objects(payload.get(key))
    for attachment in payload.get("attachments") or []:
        if isinstance(attachment, dict):
            for key in ("text", "pretext", "fallback", "title", "footer"):
                if isinstance(attachment.get(key), str):
                    yield attachment[key]
            for field in attachment.get("fields") or []:
                if isinstance(field, dict) and isinstance(field.get("value"), str):
                    yield field["value"]
            yield from _text_objects(attachment.get("blocks"))


def _text_objects(node: Any) -> Iterator[str]:
    """mrkdwn text objects (and markdown blocks) anywhere in a block tree; plain_text is inert."""
    if isinstance(node, list):
        for item in node:
            yield from _text_objects(item)
    elif isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        elif node.get("type") == "markdown" and isinstance(node.get("text"), str):
            yield node["text"]
        elif node.get("type") == "broadcast":  # rich_text's own @channel / @here element
            yield f"<!{node.get('range', 'channel')}>"
        elif node.get("type") == "usergroup":
            yield f"<!subteam^{node.get('usergroup_id', '')}>"
        for value in node.values():
            if isinstance(value, (list, dict)):
                yield from _text_objects(value)
