"""An approved shadow or canary request as the Slack calls that say so: the renderer the routing
domain writes to the outbox in the approval's own transaction (beside a switch's, in decision_effects)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.outbox.effects import SlackEffect
from bot.routing.requests import RouteApproval, RouteApprovalEffects
from commands import render, text
from commands.model.decision_effects import request_update, requester_note


def approved_text(approval: RouteApproval) -> str:
    request = approval.request
    who = (
        f"approved by {render.person(request.decided_by)}, requested by {render.person(request.requested_by)}"
    )
    candidate = render.model(request.model_id, request.endpoint)
    if approval.shadow is not None:
        lines = [
            f":ghost: *Shadowing {candidate}* on {approval.shadow.percent}% of live triages: {who}.",
            "Agents never see its answers; `/model shadow` shows how it agrees with the live model.",
        ]
    elif approval.percent_before is not None and approval.canary is not None:
        lines = [
            f":hatching_chick: *Canary of {candidate} raised* from {approval.percent_before}% to "
            f"{approval.canary.percent}% of live triages: {who}."
        ]
    else:
        percent = approval.canary.percent if approval.canary else request.percent
        lines = [
            f":hatching_chick: *Canary of {candidate} started* on {percent}% of live triages: {who}.",
            "It is stopped automatically if it misbehaves; `/model canary stop` ends it at once.",
        ]
    if approval.replaced:
        lines.append(f"It replaces {text.inline_code(approval.replaced)}.")
    lines.append(f"Reason: {render.reason(request.reason)}")
    return text.truncate("\n".join(lines), text.SECTION_TEXT_MAX)


def route_approval_effects(gate: Sequence[Block], fallback_channel: str) -> RouteApprovalEffects:
    def render_approval(approval: RouteApproval) -> list[SlackEffect]:
        request = approval.request
        announce = {
            "channel": request.channel_id or fallback_channel,
            "text": approved_text(approval),
            "unfurl_links": False,
        }
        effects = [*request_update(request, gate), SlackEffect("announce", "chat.postMessage", announce)]
        if request.requester_channel_id != request.channel_id:
            note = (
                f":white_check_mark: {render.person(request.decided_by)} approved your {request.kind} "
                f"request #{request.id} for {render.model(request.model_id, request.endpoint)}."
            )
            effects.append(requester_note(request, note))
        return effects

    return render_approval
