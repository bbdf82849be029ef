"""An agent's own recent triages, for `/triage history` and the App Home tab.

Customer text and model output are shown as plain_text: neither can ping or format anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, PlainTextObject, SectionBlock

from bot.triage_views import DeliveryStatus, TriageView
from commands import text

RECENT_TRIAGES = 10
_EXCERPT = 280
_NOT_SHOWN = {
    DeliveryStatus.FALLBACK.value: "shown privately (bot not in that conversation)",
    DeliveryStatus.UNDELIVERED.value: "Slack refused to show it",
    DeliveryStatus.INTERRUPTED.value: "interrupted by a restart",
    DeliveryStatus.PENDING.value: "not shown yet",
}


def history_text(rows: Sequence[TriageView]) -> str:
    if not rows:
        return "You have no triages yet."
    return f"Your last {len(rows)} triage(s)."


def history_blocks(rows: Sequence[TriageView]) -> list[Block]:
    if not rows:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text="You have no triages yet. `/triage <customer's message>` runs one."
                )
            )
        ]
    blocks: list[Block] = []
    for row in rows:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_headline(row))]))
        blocks.append(SectionBlock(text=PlainTextObject(text=_body(row), emoji=False)))
    return blocks


def _headline(row: TriageView) -> str:
    when = row.created_at.strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"*#{row.id}*", when, text.escape_mrkdwn(row.source)]
    if row.status == "ok":
        parts.append(
            f"*{text.escape_mrkdwn((row.urgency or '').capitalize())}* · {text.inline_code(row.category or '')}"
        )
    else:
        parts.append(f"failed ({text.escape_mrkdwn(row.error_kind or 'error')})")
    if row.delivery_status in _NOT_SHOWN:
        parts.append(f"_{_NOT_SHOWN[row.delivery_status]}_")
    return text.truncate("  ·  ".join(parts), text.CONTEXT_TEXT_MAX)


def _body(row: TriageView) -> str:
    lines = ["Customer: " + text.truncate(" ".join(row.input_text.split()), _EXCERPT)]
    if row.status == "ok":
        lines.append("Summary: " + (row.summary or ""))
        lines.append("Next step: " + (row.next_step or ""))
    elif row.error_message:
        lines.append(row.error_message)
    return text.safe_plain("\n".join(lines), text.SECTION_TEXT_MAX)
