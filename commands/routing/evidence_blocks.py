"""The live evidence beside the eval gate on a switch request: shadow pairs and agreement, canary
triages, failures, latency and reviewers' verdicts per arm, each with its sample size."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.routing.evidence import LiveEvidence, live_evidence
from bot.services import Services
from commands import text
from commands.routing.canary_blocks import figure_lines
from storage.models import ShadowVerdict, SwitchRequest


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


async def evidence_sections(services: Services, request: SwitchRequest) -> list[Block]:
    """For a switch request: the candidate's shadow and canary so far (nothing for other requests)."""
    if request.kind != "switch":
        return []
    evidence = await live_evidence(
        services.db, request.endpoint, request.model_id, services.settings.triage_categories
    )
    return evidence_blocks(evidence)
