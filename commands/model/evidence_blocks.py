"""The live evidence beside the eval gate on a switch request: shadow pairs and agreement, canary
triages, failures, latency and reviewers' verdicts per arm, each with its sample size."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.registry.views import RequestView
from bot.routing.abort import ArmReviews, CanaryFigures
from bot.routing.evidence import LiveEvidence, live_evidence
from bot.routing.views import ShadowVerdict
from bot.services import Services
from commands import text


def _ms(value: int | None) -> str:
    return f"{value:,} ms" if value is not None else "n/a"


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part} of {whole})" if whole else "n/a (no triages yet)"


def _reviews(reviews: ArmReviews) -> str:
    return f"{reviews.wrong} wrong of {reviews.reviews} reviewed" if reviews.reviews else "none reviewed"


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


def evidence_blocks(evidence: LiveEvidence | None) -> list[Block]:
    if evidence is None:
        return []
    lines: list[str] = []
    if (shadow := evidence.shadow) is not None:
        figures, judged = shadow.agreement, shadow.verdicts
        lines += [
            f"*Shadow* ({shadow.route.percent}% of live triages, {shadow.route.state}): "
            f"*{shadow.pairs}* pairs, {shadow.candidate_errors} candidate errors",
            f"• Agreement with live: {text.escape_mrkdwn(figures.urgency.describe())}; "
            f"{text.escape_mrkdwn(figures.category.describe())}",
            f"• Disagreements judged: live right {judged.get(ShadowVerdict.LIVE, 0)}, candidate right "
            f"{judged.get(ShadowVerdict.CANDIDATE, 0)}, neither {judged.get(ShadowVerdict.NEITHER, 0)}",
        ]
    if (canary := evidence.canary) is not None:
        route = canary.canary
        lines.append(f"*Canary* ({route.percent}% of live triages, {route.state}):")
        lines += figure_lines(canary.figures)
    return [
        SectionBlock(text=MarkdownTextObject(text="*Live evidence*")),
        SectionBlock(text=MarkdownTextObject(text=text.truncate("\n".join(lines), text.SECTION_TEXT_MAX))),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="From real traffic, beside the eval gate: agreement is not accuracy; "
                    "reviewers' verdicts say which side was right."
                )
            ]
        ),
    ]


async def evidence_sections(services: Services, request: RequestView) -> list[Block]:
    """For a switch request: the candidate's shadow and canary so far (nothing for other requests)."""
    if request.kind != "switch":
        return []
    evidence = await live_evidence(
        services.db, request.endpoint, request.model_id, services.settings.triage_categories
    )
    return evidence_blocks(evidence)
