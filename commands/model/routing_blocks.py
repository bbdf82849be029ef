"""The routing as one short block: live, shadow and canary with their percentages and counters
(`/model status`, the App Home, the digest)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.routing.summary import RoutingSummary
from commands import render, text


def routing_lines(summary: RoutingSummary) -> list[str]:
    lines = [f"*Routing*: the live model serves {summary.live_percent}% of triages"]
    if (shadow := summary.shadow) is not None:
        route = shadow.route
        lines.append(
            f"• Shadow: {render.model(route.model_id, route.endpoint)} on {route.percent}% (never shown): "
            f"{shadow.pairs} pairs recorded, {shadow.candidate_errors} candidate errors, "
            f"{shadow.skipped_by_cap} skipped by the daily cap"
        )
    else:
        lines.append("• Shadow: none")
    if (canary := summary.canary) is not None:
        split = canary.canary
        lines.append(
            f"• Canary: {render.model(split.model_id, split.endpoint)} serves {split.percent}%: "
            f"{canary.served} served, {canary.failed} failed (each fell back to the live model), "
            f"{canary.live_arm} on the live arm"
        )
    else:
        lines.append("• Canary: none")
    return lines


def routing_blocks(summary: RoutingSummary) -> list[Block]:
    body = text.truncate("\n".join(routing_lines(summary)), text.SECTION_TEXT_MAX)
    return [SectionBlock(text=MarkdownTextObject(text=body))]
