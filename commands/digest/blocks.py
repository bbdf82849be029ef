"""Block Kit for the digest. Wording comes from bot/digest/text.py, escaped here."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.digest import text as digest_text
from bot.digest.figures import Digest
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
    blocks.append(_section(digest_text.activity_lines(digest)))
    if digest.routing is not None and (digest.routing.shadow or digest.routing.canary):
        blocks += routing_blocks(digest.routing)
    return blocks


def digest_fallback(digest: Digest) -> str:
    headline = "Triage model digest"
    if digest.warnings:
        headline += ": " + digest.warnings[0]
    elif digest.latest is not None and digest.latest.score.pass_rate is not None:
        headline += f": eval pass rate {digest.latest.score.pass_rate * 100:.1f}%"
    return text.truncate(text.escape_mrkdwn(headline), text.FALLBACK_TEXT_MAX)
