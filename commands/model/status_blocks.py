"""Block Kit for /model status, history and list (also reused by the App Home tab)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot import shutdowns
from bot.model_client import MODEL_LIST
from bot.outbox.effects import SlackEffect
from bot.quality.cost_report import ModelCost
from bot.quality.costs import money
from bot.registry import ModelListing, ModelStatus
from bot.registry.status import ListedModel
from bot.registry.views import DeploymentView, RequestView
from bot.shutdowns import Countdown
from commands import render, text

KIND_LABELS = {"initial": "first deployment", "switch": "switch", "rollback": "rollback"}


def live_blocks(status: ModelStatus, now: datetime) -> list[Block]:
    live = status.live
    shutdown = (
        f"shutdown date unknown: {text.escape_mrkdwn(status.shutdown_unknown)}"
        if status.shutdown_unknown
        else render.shutdown_note(status.shutdown_date, now)
    )
    previous = (
        render.model(live.previous_model_id, live.previous_endpoint or "?")
        if live.previous_model_id
        else "none: this is the first model the bot ran"
    )
    approved = f" · approved by {render.person(live.approved_by)}" if live.approved_by else ""
    requested = f"{render.person(live.requested_by)}{approved}"
    if live.break_glass:
        requested = f":rotating_light: {render.break_glass(live.requested_by, live.reason)} (no approval)"
    return [
        SectionBlock(
            text=MarkdownTextObject(text=f"*Live model* {render.model(live.model_id, live.endpoint)}")
        ),
        SectionBlock(
            fields=[
                MarkdownTextObject(
                    text=f"*Since*\n{render.moment(live.created_at)} ({KIND_LABELS.get(live.kind, live.kind)})"
                ),
                MarkdownTextObject(text=f"*Requested by*\n{requested}"),
                MarkdownTextObject(text=f"*Reason*\n{render.reason(live.reason)}"),
                MarkdownTextObject(text=f"*Previous model*\n{previous}"),
                MarkdownTextObject(text=f"*Shutdown*\n{shutdown}"),
                MarkdownTextObject(text=f"*Answer format*\n{mode_note(status.response_mode)}"),
            ]
        ),
    ]


def mode_note(mode: str) -> str:
    if mode == "JSON mode":
        # Says why, so nobody hunts for a config change: the fallback is automatic and temporary.
        return "JSON mode (the endpoint refused the strict schema; strict is tried again within a day)"
    return text.escape_mrkdwn(mode)


NO_PENDING = "No pending switch or rollback requests."


def pending_blocks(pending: Sequence[RequestView], *, titled: bool = True) -> list[Block]:
    """`titled=False` where a header already says "Pending requests" (the App Home)."""
    if not pending:
        return [ContextBlock(elements=[MarkdownTextObject(text=NO_PENDING)])]
    lines = [pending_line(r) for r in pending[:10]]
    if len(pending) > 10:
        lines.append(f"… and {len(pending) - 10} more")
    # Whole lines per section: cutting at 3,000 characters could end inside a code span or a link.
    return render.sections(["*Pending requests*", *lines] if titled else lines)


def pending_line(request: RequestView) -> str:
    where = f" ({render.channel(request.channel_id)})" if request.channel_id else ""
    return (
        f"• #{request.id} {request.kind} to {render.model(request.model_id, request.endpoint)}, requested by "
        f"{render.person(request.requested_by)}, expires {render.moment(request.expires_at)}{where}"
    )


def status_blocks(
    status: ModelStatus,
    now: datetime,
    countdowns: list[Countdown] | None = None,
    costs: list[ModelCost] | None = None,
) -> list[Block]:
    blocks = live_blocks(with_effective_shutdown(status, countdowns), now) + pending_blocks(status.pending)
    blocks += countdown_blocks(countdowns, now) if countdowns is not None else []
    return blocks + (cost_blocks(costs, status) if costs is not None else [])


# Cost per model (issue 11): what a triage and a correctly triaged message cost, unknown as unknown.
COST_DAYS = 7
MAX_COST_LINES = 10


def cost_line(cost: ModelCost, status: ModelStatus) -> str:
    live = (cost.endpoint, cost.model_id) == (status.live.endpoint, status.live.model_id)
    name = render.model(cost.model_id, cost.endpoint) + (" (live)" if live else "")
    if cost.figures.total is None:
        return f"• {name}: unknown, no price in `TRIAGE_PRICES` ({cost.figures.calls} triages)"
    per_correct = money(cost.per_correct) if cost.per_correct is not None else "unknown"
    return (
        f"• {name}: {money(cost.per_triage)} a triage, {per_correct} per correctly triaged message "
        f"({text.escape_mrkdwn(cost.basis)}; {cost.figures.calls} triages)"
    )


def cost_blocks(costs: list[ModelCost], status: ModelStatus) -> list[Block]:
    title = f"*Cost, last {COST_DAYS} days*"
    if not costs:
        return render.sections([title, "No triages in the period."])
    lines = [cost_line(c, status) for c in costs[:MAX_COST_LINES]]
    if len(costs) > MAX_COST_LINES:
        lines.append(f"… and {len(costs) - MAX_COST_LINES} more models")
    return render.sections([title, *lines])


def with_effective_shutdown(status: ModelStatus, countdowns: list[Countdown] | None) -> ModelStatus:
    """The live model's earliest known date (an operator's, its base's) in the *Shutdown* field, so
    the field never says "none announced" above a countdown that says otherwise."""
    live = status.live
    known = next(
        (
            c.shutdown_date
            for c in countdowns or []
            if (c.endpoint, c.model_id) == (live.endpoint, live.model_id)
        ),
        None,
    )
    if known is None or (status.shutdown_date is not None and status.shutdown_date <= known):
        return status
    return replace(status, shutdown_date=known, shutdown_unknown=None)


# Countdowns to shutdown dates (issue 12): every model that matters, soonest first.
WARNING_CUES = {0: ":red_circle:", 7: ":rotating_light:", 30: ":warning:", 90: ":hourglass:"}


def countdown_line(countdown: Countdown, now: datetime) -> str:
    threshold = countdown.warning(now)
    cue = WARNING_CUES.get(threshold, "•") if threshold is not None else "•"
    return f"{cue} {text.escape_mrkdwn(shutdowns.describe(countdown, now))}"


def countdown_blocks(countdowns: list[Countdown], now: datetime) -> list[Block]:
    if not countdowns:
        return []
    blocks = render.sections(["*Shutdown dates*", *(countdown_line(c, now) for c in countdowns[:20])])
    note = (
        "Warnings at 90, 30 and 7 days. Approvers set a date a host does not publish with `/model retire-on`."
    )
    return [*blocks, ContextBlock(elements=[MarkdownTextObject(text=note)])]


def status_text(status: ModelStatus) -> str:
    return f"Live model: {text.inline_code(status.live.model_id)} on {text.inline_code(status.live.endpoint)}"


def history_line(d: DeploymentView) -> str:
    change = render.model(d.model_id, d.endpoint)
    if d.previous_model_id:
        change = f"{text.inline_code(d.previous_model_id)} → {change}"
    who = f"requested by {render.person(d.requested_by)}"
    if d.approved_by:
        who += f", approved by {render.person(d.approved_by)}"
    who += f" · {render.reason(d.reason, 300)}"
    if d.break_glass:
        who = f":rotating_light: {render.break_glass(d.requested_by, d.reason)} (no approval)"
    line = f"*#{d.id}* {render.moment(d.created_at)} · {KIND_LABELS.get(d.kind, d.kind)}: {change}\n{who}"
    if d.override_reason:
        line += f" · override: {text.safe_mrkdwn(d.override_reason, 200)}"
    return line


def history_blocks(deployments: Sequence[DeploymentView]) -> list[Block]:
    header = f"*Last {len(deployments)} deployment{'s' if len(deployments) != 1 else ''}* (newest first)"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=header))]
    return blocks + render.sections([history_line(d) for d in deployments], "\n\n")


def listing_blocks(listing: ModelListing) -> list[Block]:
    where = text.inline_code(listing.endpoint)
    source = source_note(listing)
    if not listing.models:
        blocks: list[Block] = [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Endpoint {where} lists no fine-tuned models for this key ({source}). The live model is "
                    f"{render.model(listing.live.model_id, listing.live.endpoint)}."
                )
            )
        ]
        return blocks + footer_blocks(listing)
    lines = [listed_line(m) for m in listing.models[:40]]
    if len(listing.models) > 40:
        lines.append(f"… and {len(listing.models) - 40} more")
    head = f"*Fine-tuned models on {where}* ({len(listing.models)}), from {source}"
    blocks = [SectionBlock(text=MarkdownTextObject(text=head)), *render.sections(lines)]
    if not any(m.live for m in listing.models):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"The live model {render.model(listing.live.model_id, listing.live.endpoint)} is not among them."
                    )
                ]
            )
        )
    return blocks + footer_blocks(listing)


def listed_line(m: ListedModel) -> str:
    base = f"from {text.inline_code(m.model.base_model)}, " if m.model.base_model else ""
    live = "  :large_green_circle: *live*" if m.live else ""
    marks = [
        *(["candidate (pending request)"] if m.candidate else []),
        *(["snapshotted"] if m.snapshotted else []),
        *([f"retiring {m.shutdown_date:%Y-%m-%d}"] if m.shutdown_date else []),
    ]
    mode = " · JSON mode (strict schema refused)" if m.response_mode == "JSON mode" else ""
    extra = "".join(f" · {mark}" for mark in marks)
    return f"• {text.inline_code(m.model.model_id)} ({base}{m.model.created_at:%Y-%m-%d}){live}{extra}{mode}"


def source_note(listing: ModelListing) -> str:
    if listing.source == MODEL_LIST:
        return "its model list (`GET /v1/models`: it has no fine-tuning API)"
    return "its fine-tuning jobs"


def footer_blocks(listing: ModelListing) -> list[Block]:
    """How to switch to one of these (on this endpoint), and which other endpoints exist."""
    on = "" if listing.endpoint == listing.default_endpoint else f" on {listing.endpoint}"
    lines = [f"Switch with {text.inline_code(f'/model switch model-id{on} [reason]')}."]
    if listing.other_endpoints:
        names = ", ".join(text.inline_code(name) for name in listing.other_endpoints)
        lines.append(f"Other endpoints: {names} (list one with `/model list endpoint-name`).")
    return [ContextBlock(elements=[MarkdownTextObject(text=" ".join(lines))])]


def shutdown_warning_effect(countdown: Countdown, threshold: int, channel: str, now: datetime) -> SlackEffect:
    """The scheduled warning for one model and threshold (sent through the outbox)."""
    head = (
        ":red_circle: *A model that matters has shut down*"
        if threshold == 0
        else f"{WARNING_CUES.get(threshold, ':warning:')} *Shutdown within {threshold} days*"
    )
    lines = [
        head,
        text.escape_mrkdwn(shutdowns.describe(countdown, now)),
        "Plan the replacement: `/model eval <model-id>`, then `/model switch <model-id>`. "
        "`/model status` counts down for every model.",
    ]
    return SlackEffect("warn", "chat.postMessage", {"channel": channel, "text": "\n".join(lines)})
