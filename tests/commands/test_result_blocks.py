"""The triage result is written as Block Kit JSON by hand (commands/triage/blocks.py, for speed): every
shape it takes must be what slack_sdk's own models build from it, limits checked by their validation."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.triage import TriageResult
from commands import text
from commands.triage import blocks

HOSTILE = "<!channel> <@U123> <http://evil.example|click> &amp; *bold* `code` \u202e"


def _result(summary: str = "Charged twice", next_step: str = "Refund the duplicate") -> TriageResult:
    return TriageResult(
        triage_id=48213,
        endpoint="vllm-eu",
        model_id="ft:gpt-4o-mini:acme:triage:`x1`",
        urgency="critical",
        category="billing & <refunds>",
        summary=summary,
        next_step=next_step,
        latency_ms=1234,
    )


@pytest.mark.parametrize(
    ("result", "options"),
    [
        (_result(), {}),
        (_result(HOSTILE, HOSTILE), {"shared_by": "U0AGENT"}),
        (_result("x" * 7000, "y" * 7000), {"with_actions": False}),
        (_result(), {"shared_by": "U0AGENT", "shared_copy": True}),
    ],
    ids=["plain", "hostile-shared", "long-no-actions", "shared-copy"],
)
def test_every_shape_of_the_result_is_what_slack_sdk_builds_and_validates(
    result: TriageResult, options: dict[str, object]
) -> None:
    written = blocks.result_blocks(result, **options)  # type: ignore[arg-type]
    rebuilt = [Block.parse(block) for block in written]
    assert all(block is not None for block in rebuilt)
    assert [block.to_dict() for block in rebuilt if block is not None] == written


def test_slack_sdk_would_refuse_a_block_past_its_limits_so_the_check_above_can_fail() -> None:
    # (Field texts' own limit is checked by tests/commands/test_rendering.py's assert_valid_message.)
    headline = blocks.result_blocks(_result())[0]
    headline["text"]["text"] = "z" * (text.SECTION_TEXT_MAX + 1)
    parsed = Block.parse(headline)
    assert parsed is not None
    with pytest.raises(SlackObjectFormationError):
        parsed.to_dict()


def test_buttons_carry_the_triage_and_the_copy_in_channel_has_no_share_button() -> None:
    own = blocks.result_blocks(_result())[-1]
    shared = blocks.result_blocks(_result(), shared_by="U0AGENT", shared_copy=True)[-1]
    assert [button["value"] for button in own["elements"]] == ["48213"] * 3
    assert [button["text"]["text"] for button in shared["elements"]] == ["Correct", "Wrong"]
