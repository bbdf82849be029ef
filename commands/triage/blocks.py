"""Block Kit for triage results. Model output is shown as plain_text, so it can never ping or format."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from bot.triage import TriageResult
from commands import text
from commands.block_kit import BlockJson
from commands.ids import Action
from commands.ids import Block as BlockId

URGENCY_CUES = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "medium": ":large_yellow_circle:",
    "low": ":large_green_circle:",
}


def working_blocks(model_id: str) -> list[dict[str, Any]]:
    """The ack's blocks as Slack's JSON; built once per model (every /triage acks with them)."""
    return list(_working_blocks_json(model_id))


@lru_cache(maxsize=64)
def _working_blocks_json(model_id: str) -> tuple[dict[str, Any], ...]:
    return tuple(block.to_dict() for block in _working_blocks(model_id))


def _working_blocks(model_id: str) -> list[Block]:
    return [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f":hourglass_flowing_sand: Triaging with {text.inline_code(model_id)}…"
                )
            ]
        )
    ]


def working_text(model_id: str) -> str:
    return f"Triaging with {text.inline_code(model_id)}…"


def result_blocks(
    result: TriageResult,
    *,
    shared_by: str | None = None,
    with_actions: bool = True,
    shared_copy: bool = False,
) -> list[BlockJson]:
    """The result as Slack's JSON. `shared_copy`: the copy posted in channel, which keeps Correct/Wrong
    (every triage result can be reviewed) but not Share (it is shared once).

    Written as JSON rather than slack_sdk objects: their validating `to_dict` was a tenth of a
    triage's CPU (make profile). tests/commands/test_result_blocks.py parses every shape back through
    slack_sdk's models, which check the structure and Block Kit's limits."""
    cue = URGENCY_CUES.get(result.urgency, ":white_circle:")
    headline = (
        f"{cue} *{result.urgency.capitalize()} urgency*  ·  Category: {text.inline_code(result.category)}"
    )
    blocks: list[BlockJson] = [
        {"type": "section", "text": _mrkdwn(headline)},
        {
            "type": "section",
            "fields": [
                _mrkdwn("*Summary*"),
                _mrkdwn("*Suggested next step*"),
                _plain(text.safe_plain(result.summary, text.FIELD_TEXT_MAX)),
                _plain(text.safe_plain(result.next_step, text.FIELD_TEXT_MAX)),
            ],
        },
        {"type": "context", "elements": [_mrkdwn(context_line(result, shared_by))]},
    ]
    if with_actions or shared_copy:
        value = str(result.triage_id)
        buttons = [_button("Correct", Action.REVIEW_CORRECT, value), _button("Wrong", Action.REVIEW_WRONG, value)]
        if not shared_copy:
            buttons.insert(0, _button("Share in channel", Action.SHARE_TRIAGE, value))
        blocks.append({"type": "actions", "block_id": BlockId.TRIAGE_ACTIONS.value, "elements": buttons})
    return blocks


def _mrkdwn(value: str) -> BlockJson:
    return {"type": "mrkdwn", "text": value}


def _plain(value: str) -> BlockJson:
    return {"type": "plain_text", "text": value, "emoji": False}


def _button(label: str, action: Action, value: str) -> BlockJson:
    text_object = {"type": "plain_text", "text": label, "emoji": True}
    return {"type": "button", "text": text_object, "action_id": action.value, "value": value}


def context_line(result: TriageResult, shared_by: str | None = None) -> str:
    line = (
        f"Model {text.inline_code(result.model_id)} on {text.inline_code(result.endpoint)}"
        f"  ·  {result.latency_ms:,} ms  ·  triage #{result.triage_id}"
    )
    if shared_by:
        line += f"  ·  shared by <@{shared_by}>"
    return text.truncate(line, text.CONTEXT_TEXT_MAX)


def result_text(result: TriageResult) -> str:
    """Notification fallback: mrkdwn-parsed by Slack, so escaped."""
    # safe_mrkdwn cuts after escaping without splitting an entity such as &amp;
    return text.safe_mrkdwn(f"Triage: {result.urgency} urgency, {result.category}: {result.summary}", 300)
