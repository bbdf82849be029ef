"""Block Kit for the digest. Wording comes from bot/digest/text.py, escaped here."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
    TableBlock,
)

from bot.digest import text as digest_text
from bot.digest.figures import Digest
from bot.quality.evidence import RunEvidence
from bot.quality.text import percent
from commands import text
from commands.model.routing_blocks import routing_blocks

MAX_SECTION = text.SECTION_TEXT_MAX


def _section(lines: list[str], bold_first: bool = False) -> SectionBlock:
    escaped = [text.escape_mrkdwn(line) for line in lines]
    if bold_first and escaped:
        escaped[0] = f"*{escaped[0]}*"
    return SectionBlock(text=MarkdownTextObject(text=text.truncate("\n".join(escaped), MAX_SECTION)))


def digest_blocks(digest: Digest) -> list[Block]:
    period = f"{digest_text.when(digest.period_start)} to {digest_text.when(digest.period_end)}"
    blocks: list[Block] = [
        HeaderBlock(text="Triage model digest"),
        ContextBlock(elements=[MarkdownTextObject(text=text.escape_mrkdwn(period))]),
    ]
    for warning in digest.warnings:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=text.truncate(f":rotating_light: *{text.escape_mrkdwn(warning)}*", MAX_SECTION)
                )
            )
        )
    if digest.live is None:
        return blocks
    live = digest.live
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Live model* {text.inline_code(live.model_id)} on {text.inline_code(live.endpoint)}"
                f", since {text.escape_mrkdwn(digest_text.when(live.since))}"
            )
        )
    )
    if digest.response_mode is not None:
        mode = f"Answer format: {digest.response_mode}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text.escape_mrkdwn(mode))]))
    if digest.empty:
        blocks.append(_section(["No data in this period: no triages, no reviews and no eval runs."], True))
    if (line := digest_text.availability_line(digest)) is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text.escape_mrkdwn(line))]))
    blocks.append(DividerBlock())
    blocks.append(_section(digest_text.eval_lines(digest), bold_first=True))
    if kappa := digest_text.kappa_lines(digest):
        blocks.append(_section(kappa))
    if digest.evidence is not None and digest.latest is not None:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"Per class, latest eval run #{digest.latest.score.run_id}:")
                ]
            )
        )
        blocks.append(class_table(digest.evidence))
    activity = digest_text.activity_lines(digest)
    if (spent := digest_text.spend_line(digest)) is not None:
        activity.append(spent)
    blocks.append(_section(activity))
    blocks.append(_section(digest_text.incident_lines(digest)))
    if digest.routing is not None and (digest.routing.shadow or digest.routing.canary):
        blocks += routing_blocks(digest.routing)
    return blocks


# Slack's table block: at most 100 rows of at most 20 cells, and one table per message (this is
# the digest's only one). Cells are raw_text: never parsed as mrkdwn, so labels cannot ping.
TABLE_MAX_ROWS = 100
CELL_MAX = 120


def _cell(value: str) -> dict[str, str]:
    return {"type": "raw_text", "text": text.truncate(value, CELL_MAX) or " "}


def class_table(evidence: RunEvidence) -> TableBlock:
    """Support, precision, recall and F1 per class of both fields; classes the run never met (no
    case, no answer) are left out, and past Slack's row limit the rest is counted, not dropped silently."""
    header = [_cell(h) for h in ("Class", "Support", "Precision", "Recall", "F1")]
    body = [
        [
            _cell(f"{field.field}: {c.label}"),
            _cell(str(c.support)),
            _cell(percent(c.precision)),
            _cell(percent(c.recall)),
            _cell(f"{c.f1:.2f}" if c.f1 is not None else "n/a"),
        ]
        for field in (evidence.urgency, evidence.category)
        for c in field.classes
        if c.support or c.predicted
    ]
    room = TABLE_MAX_ROWS - 2  # the header, and a row saying how many more
    if len(body) > room:
        more = len(body) - room
        body = [*body[:room], [_cell(f"…and {more} more classes (triagebot eval show)"), *[_cell(" ")] * 4]]
    return TableBlock(rows=[header, *body], column_settings=[{"is_wrapped": True}] + [{"align": "right"}] * 4)


def digest_fallback(digest: Digest) -> str:
    headline = "Triage model digest"
    if digest.warnings:
        headline += ": " + digest.warnings[0]
    elif digest.latest is not None and digest.latest.score.pass_rate is not None:
        headline += f": eval pass rate {digest.latest.score.pass_rate * 100:.1f}%"
    return text.truncate(text.escape_mrkdwn(headline), text.FALLBACK_TEXT_MAX)
