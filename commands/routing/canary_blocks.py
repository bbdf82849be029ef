"""Block Kit for `/model canary`: the canary, its figures per arm, and what a lower or stop did."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.routing.abort import CanaryFigures
from bot.routing.canary import Lowered
from bot.routing.views import CanaryRouteView, CanaryState
from commands import render, text
from commands.model.evidence_blocks import figure_lines

_ENDED = {
    CanaryState.STOPPED: "stopped",
    CanaryState.ABORTED: "aborted automatically",
    CanaryState.REPLACED: "replaced",
    CanaryState.PROMOTED: "promoted",
}


def _section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text.truncate(mrkdwn, text.SECTION_TEXT_MAX)))


def status_text(canary: CanaryRouteView | None) -> str:
    if canary is None or canary.state != CanaryState.ACTIVE:
        return "No canary is running."
    return text.safe_mrkdwn(
        f"Canary: {canary.model_id} serves {canary.percent}% of live triages.", text.FALLBACK_TEXT_MAX
    )


def status_blocks(canary: CanaryRouteView | None, figures: CanaryFigures | None) -> list[Block]:
    if canary is None:
        return [
            _section(
                "*No canary is running.* `/model canary <model-id> [on <endpoint>] <percent>` asks for one "
                "(approved like a switch)."
            )
        ]
    candidate = render.model(canary.model_id, canary.endpoint)
    if canary.state == CanaryState.ACTIVE:
        head = (
            f"*Canary: {candidate}* serves *{canary.percent}%* of live triages, since "
            f"{render.moment(canary.started_at)}; requested by {render.person(canary.started_by)}, "
            f"approved by {render.person(canary.approved_by)}."
        )
    else:
        ended = _ENDED.get(CanaryState(canary.state), canary.state)
        head = (
            f"*No canary is running.* The last one, {candidate}, was {ended} "
            f"{render.moment(canary.ended_at) if canary.ended_at else ''} by {render.person(canary.ended_by)}"
            f": {render.reason(canary.end_reason, 800)}"
        )
    blocks: list[Block] = [_section(head)]
    if figures is not None:
        blocks.append(_section("\n".join(figure_lines(figures))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="A lower percentage or `/model canary stop` is immediate for approvers; a higher one is "
                    "a new approval. The canary stops itself when the candidate fails, slows down or is "
                    "reviewed wrong too often."
                )
            ]
        )
    )
    return blocks


def stopped_text(canary: CanaryRouteView) -> str:
    return (
        f"Stopped the canary of {render.model(canary.model_id, canary.endpoint)}: every triage goes to the "
        "live model again."
    )


def lowered_text(lowered: Lowered) -> str:
    canary = lowered.canary
    return (
        f"The canary of {render.model(canary.model_id, canary.endpoint)} now serves {canary.percent}% of live "
        f"triages (was {lowered.percent_before}%)."
    )
