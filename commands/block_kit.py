"""Small Block Kit helpers shared by every area's builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks as Slack's JSON, for the calls (ack, response_url) that take plain dicts."""
    return [block.to_dict() for block in blocks]
