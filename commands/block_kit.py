"""Small Block Kit helpers shared by every area's builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks as Slack's JSON, for payloads stored as JSON (the outbox); Bolt and slack_sdk calls take blocks."""
    return [block.to_dict() for block in blocks]
