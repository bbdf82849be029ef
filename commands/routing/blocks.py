"""Block Kit for `/model shadow`: its status, a start/stop confirmation, and a disagreement to judge.

Customer text and model output are plain_text; identifiers go through inline_code (escaped).
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.routing import Disagreement, Judged, ShadowReport, Started
from bot.routing.views import ShadowRouteView, ShadowState, ShadowVerdict
from commands import text
from commands.ids import Action
from commands.ids import Block as BlockId

SHADOW_USAGE = "/model shadow [<model-id> [on <endpoint>] [percent] [reason…] | stop [reason…] | review]"
_EXCERPT = 1500
_WHO_WAS_RIGHT = {
    ShadowVerdict.LIVE: "the live model was right",
    ShadowVerdict.CANDIDATE: "the candidate was right",
    ShadowVerdict.NEITHER: "neither was right",
}


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def _model(route: ShadowRouteView) -> str:
    return f"{text.inline_code(route.model_id)} on {text.inline_code(route.endpoint)}"


def _ms(value: int | None) -> str:
    return f"{value:,} ms" if value is not None else "n/a"


def _count(value: int | None) -> str:
    return f"{value:,}" if value is not None else "n/a"


def _reason(reason: str | None) -> str:
    return f" Reason: {text.safe_mrkdwn(reason, 600)}" if reason else ""


def _approved(route: ShadowRouteView) -> str:
    """A shadow a non-approver asked for names the lead who approved it (and the request)."""
    if not route.approved_by:
        return ""
    return f", approved by <@{text.escape_mrkdwn(route.approved_by)}> (request #{route.request_id})"


def _section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text.truncate(mrkdwn, text.SECTION_TEXT_MAX)))


def status_text(report: ShadowReport) -> str:
    route = report.route
    if route is None or route.state != ShadowState.ACTIVE:
        return "No model is being shadowed."
    return text.safe_mrkdwn(
        f"Shadowing {route.model_id}: {report.pairs} pairs recorded, {report.candidate_errors} candidate errors, "
        f"{report.skipped_by_cap} skipped by the daily cap.",
        text.FALLBACK_TEXT_MAX,
    )


def status_blocks(report: ShadowReport) -> list[Block]:
    route = report.route
    if route is None:
        return [
            _section(
                "*No model is being shadowed.* An approver starts one with "
                "`/model shadow <model-id> [on <endpoint>] [percent] [reason…]`."
            )
        ]
    if route.state == ShadowState.ACTIVE:
        head = (
            f"*Shadowing {_model(route)}* on {route.percent}% of live triages, since {_when(route.started_at)}, "
            f"started by <@{text.escape_mrkdwn(route.started_by)}>{_approved(route)}.{_reason(route.reason)}"
        )
    else:
        ended = "stopped" if route.state == ShadowState.STOPPED else "replaced"
        head = (
            f"*No model is being shadowed.* The last one, {_model(route)}, was {ended} by "
            f"<@{text.escape_mrkdwn(route.ended_by or '')}> at {_when(route.ended_at)}.{_reason(route.end_reason)}"
        )
    figures = report.agreement
    judged = report.verdicts
    lines = [
        f"• Pairs recorded: *{report.pairs}*, of which candidate errors: *{report.candidate_errors}*",
        f"• Skipped by the daily cap: *{report.skipped_by_cap}*  ·  candidate calls today: "
        f"{report.calls_today:,} of {report.daily_cap:,} (TRIAGE_SHADOW_DAILY_CALLS)",
        f"• Agreement with the live model: {text.escape_mrkdwn(figures.urgency.describe())}; "
        f"{text.escape_mrkdwn(figures.category.describe())}; both: {text.escape_mrkdwn(figures.both.describe())}",
        f"• Median latency: live {_ms(report.live_cost.median_latency_ms)}, candidate "
        f"{_ms(report.candidate_cost.median_latency_ms)}  ·  mean tokens per triage: live "
        f"{_count(report.live_cost.mean_tokens)}, candidate {_count(report.candidate_cost.mean_tokens)}",
        f"• Disagreements: *{report.disagreements}*, judged: live right {judged.get(ShadowVerdict.LIVE, 0)}"
        f"  ·  candidate right {judged.get(ShadowVerdict.CANDIDATE, 0)}"
        f"  ·  neither {judged.get(ShadowVerdict.NEITHER, 0)}",
    ]
    return [
        _section(head),
        _section("\n".join(lines)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="`/model shadow review` shows a disagreement to judge. "
                    "`/model shadow stop` ends the shadow. Agents never see the candidate's answers."
                )
            ]
        ),
    ]


def started_text(started: Started) -> str:
    route = started.route
    said = f"Shadowing {text.inline_code(route.model_id)} on {text.inline_code(route.endpoint)} for {route.percent}% of live triages."
    if started.replaced is not None:
        said += f" It replaces {text.inline_code(started.replaced.model_id)}."
    return said


def stopped_text(route: ShadowRouteView) -> str:
    return f"Stopped shadowing {text.inline_code(route.model_id)} on {text.inline_code(route.endpoint)}."


def _labels(urgency: str, category: str) -> str:
    return f"{urgency}/{category}"


def question(item: Disagreement) -> str:
    return (
        f"live said {_labels(item.live_urgency, item.live_category)}, candidate said "
        f"{_labels(item.candidate_urgency, item.candidate_category)} — which is right?"
    )


def review_text(item: Disagreement | None) -> str:
    if item is None:
        return "No disagreements are waiting for a verdict."
    return text.safe_mrkdwn(question(item).capitalize(), text.FALLBACK_TEXT_MAX)


def review_blocks(item: Disagreement | None, *, judged: Judged | None = None) -> list[Block]:
    blocks: list[Block] = []
    if judged is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=judged_line(judged))]))
    if item is None:
        blocks.append(_section("No disagreements are waiting for a verdict. :tada:"))
        return blocks
    value = str(item.pair_id)
    blocks += [
        _section(
            f"*Triage #{item.triage_id}: {text.escape_mrkdwn(question(item))}*\n"
            f"Live {text.inline_code(item.live_model)} · candidate {text.inline_code(item.candidate_model)}"
        ),
        SectionBlock(
            text=PlainTextObject(
                text=text.safe_plain("Customer: " + " ".join(item.input_text.split()), _EXCERPT), emoji=False
            )
        ),
        ActionsBlock(
            block_id=BlockId.SHADOW_REVIEW,
            elements=[
                ButtonElement(
                    text=f"Live: {_labels(item.live_urgency, item.live_category)}"[:75],
                    action_id=Action.SHADOW_VERDICT_LIVE,
                    value=value,
                ),
                ButtonElement(
                    text=f"Candidate: {_labels(item.candidate_urgency, item.candidate_category)}"[:75],
                    action_id=Action.SHADOW_VERDICT_CANDIDATE,
                    value=value,
                ),
                ButtonElement(text="Neither", action_id=Action.SHADOW_VERDICT_NEITHER, value=value),
            ],
        ),
    ]
    return blocks


def judged_line(judged: Judged) -> str:
    item = judged.disagreement
    verdict = _WHO_WAS_RIGHT.get(item.verdict, "") if item.verdict else ""
    if judged.recorded:
        return f":white_check_mark: Recorded for triage #{item.triage_id}: {verdict}."
    return (
        f"Triage #{item.triage_id} was already judged by <@{text.escape_mrkdwn(item.verdict_by or '')}>: "
        f"{verdict}. That verdict stands."
    )
