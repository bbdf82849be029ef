"""Block Kit as the sandbox console prints it: readable text, mentions resolved, controls numbered."""

from __future__ import annotations

from typing import Any

from bot.sandbox.render import Directory, blocks_text, mrkdwn
from bot.sandbox.screen import Screen

NAMES = Directory({"U0LEAD": "lead"}, {"C0APPROVALS": "approvals"})


def numbered() -> tuple[list[tuple[str, str]], Any]:
    seen: list[tuple[str, str]] = []

    def number(element: dict[str, Any], block_id: str) -> int:
        seen.append((str(element.get("action_id")), block_id))
        return len(seen)

    return seen, number


def test_mrkdwn_reads_as_slack_shows_it() -> None:
    text = "*Approved* by <@U0LEAD> in <#C0APPROVALS> :white_check_mark: &lt;b&gt; <https://x.example|docs> <!here>"
    assert mrkdwn(text, NAMES) == "Approved by @lead in #approvals ✅ <b> docs (https://x.example) @here"


def test_buttons_and_selects_are_numbered_in_order() -> None:
    seen, number = numbered()
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Pick"}, "fields": []},
        {
            "type": "actions",
            "block_id": "switch_actions",
            "elements": [
                {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}},
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": {"type": "plain_text", "text": "Urgency"},
                    "options": [{"text": {"type": "plain_text", "text": "high"}, "value": "high"}],
                },
            ],
        },
    ]
    text = "\n".join(blocks_text(blocks, "", number, NAMES))
    assert "[1] Approve" in text and "[2] ▾ Urgency (high)" in text
    assert seen == [("approve", "switch_actions"), ("pick", "switch_actions")]


def test_fields_sit_side_by_side_and_plain_text_stays_literal() -> None:
    _, number = numbered()
    fields = [
        {"type": "mrkdwn", "text": "*Summary*"},
        {"type": "mrkdwn", "text": "*Next step*"},
        {"type": "plain_text", "text": "<@U0LEAD> *not bold*"},
        {"type": "plain_text", "text": "Refund"},
    ]
    lines = blocks_text([{"type": "section", "fields": fields}], "", number, NAMES)
    assert lines[0].split() == ["Summary", "Next", "step"]
    assert "<@U0LEAD> *not bold*" in lines[1] and lines[1].rstrip().endswith("Refund")


def test_a_modal_lists_its_fields_and_how_to_submit() -> None:
    screen = Screen(NAMES)
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Reject request #1"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "blocks": [
            {
                "type": "input",
                "optional": True,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": "reject_reason"},
            }
        ],
    }
    screen.triggers["t1"] = "U0LEAD"
    lines = screen.show_call(
        "views.open", {"trigger_id": "t1", "view": view}, {"ok": True, "view": {"id": "V1"}}
    )
    text = "\n".join(lines)
    assert "modal opened for @lead: Reject request #1" in text
    assert "Reason (optional): reject_reason=<text>" in text
    assert "submit reject_reason=…" in text and "“Reject”" in text
    assert screen.modals[-1].blocks[0]["block_id"]  # Slack assigns one when the app gave none
