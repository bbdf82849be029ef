"""Block Kit for `/model canary`: the canary, its figures per arm, and what a lower or stop did."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.routing.abort import ArmReviews, CanaryFigures
from bot.routing.canary import Lowered
from commands import text
from commands.model import render
from storage.models import CanaryRoute, CanaryState

_ENDED = {
    CanaryState.STOPPED: "stopped",
    CanaryState.ABORTED: "aborted automatically",
    CanaryState.REPLACED: "replaced",
    CanaryState.PROMOTED: "promoted",
}


def _section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text.truncate(mrkdwn, text.SECTION_TEXT_MAX)))


def _ms(value: int | None) -> str:
    return f"{value:,} ms" if value is not None else "n/a"


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part} of {whole})" if whole else "n/a (no triages yet)"


def _reviews(reviews: ArmReviews) -> str:
    return f"{reviews.wrong} wrong of {reviews.reviews} reviewed" if reviews.reviews else "none reviewed"


def status_text(canary: CanaryRoute | None) -> str:
    if canary is None or canary.state != CanaryState.ACTIVE:
        return "No canary is running."
    return text.safe_mrkdwn(
        f"Canary: {canary.model_id} serves {canary.percent}% of live triages.", text.FALLBACK_TEXT_MAX
    )


def figure_lines(figures: CanaryFigures) -> list[str]:
    """Each figure with its sample: served, failures (fallbacks), latency and reviewers per arm."""
    return [
        f"• Candidate: *{figures.candidate_triages}* triages, {figures.candidate_served} answered, "
        f"failure rate {_rate(figures.fallbacks, figures.candidate_triages)} (fell back to live)",
        f"• Live arm: *{figures.live_triages}* triages, failure rate "
        f"{_rate(figures.live_failed, figures.live_triages)}",
        f"• p95 latency: candidate {_ms(figures.candidate_p95_ms)} ({figures.candidate_served} answers), "
        f"live {_ms(figures.live_p95_ms)} ({figures.live_triages - figures.live_failed} answers)",
        f"• Reviewers: candidate {_reviews(figures.candidate_reviews)}, live {_reviews(figures.live_reviews)}",
    ]


def status_blocks(canary: CanaryRoute | None, figures: CanaryFigures | None) -> list[Block]:
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


def stopped_text(canary: CanaryRoute) -> str:
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
