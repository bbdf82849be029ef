"""Small Block Kit helpers shared by every area's builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

BlockJson = dict[str, Any]


def as_dicts(blocks: Sequence[Block | BlockJson]) -> list[BlockJson]:
    """Blocks as Slack's JSON, for payloads stored as JSON (the outbox) or sent to several routes; those
    already written as JSON (the triage result) pass as they are."""
    return [block.to_dict() if isinstance(block, Block) else block for block in blocks]
