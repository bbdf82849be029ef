"""A decided request as the Slack calls that tell everyone: the renderers the registry writes to the
outbox in the decision's own transaction (bot/outbox sends them). The one place an approval's,
a rejection's or a break-glass rollback's Slack tail is written."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.outbox.effects import EPHEMERAL_OR_DM, SlackEffect
from bot.registry import Approval, RequestKind
from bot.registry.approvals import ApprovalEffects, RejectionEffects
from bot.registry.views import RequestView
from commands import render, text
from commands.block_kit import as_dicts
from commands.model import request_blocks
from commands.render import utcnow


def request_update(request: RequestView, extra_sections: Sequence[Block] = ()) -> list[SlackEffect]:
    """Re-render the request's message for its decided state (no buttons left to click)."""
    if not request.channel_id or not request.message_ts:
        return []
    blocks = request_blocks.approval_request_blocks(request, now=utcnow(), extra_sections=extra_sections)
    payload = {
        "channel": request.channel_id,
        "ts": request.message_ts,
        "text": request_blocks.request_text(request),
        "blocks": as_dicts(blocks),
    }
    return [SlackEffect("update", "chat.update", payload)]


def announcement(approval: Approval, channel: str) -> SlackEffect:
    payload = {"channel": channel, "text": request_blocks.announcement_text(approval), "unfurl_links": False}
    return SlackEffect("announce", "chat.postMessage", payload)


def requester_note(request: RequestView, message: str) -> SlackEffect:
    """Privately where they asked, or by DM when that is refused (or they asked from nowhere we know)."""
    if request.requester_channel_id:
        payload = {"channel": request.requester_channel_id, "user": request.requested_by, "text": message}
        return SlackEffect("requester", EPHEMERAL_OR_DM, payload)
    return SlackEffect("requester", "chat.postMessage", {"channel": request.requested_by, "text": message})


def approval_effects(gate: Sequence[Block], fallback_channel: str, *, override: bool) -> ApprovalEffects:
    def render_approval(approval: Approval) -> list[SlackEffect]:
        request = approval.request
        assert request is not None
        effects = [
            *request_update(request, gate),
            announcement(approval, request.channel_id or fallback_channel),
        ]
        if request.requester_channel_id != request.channel_id:
            # The announcement mentions them, but they may not be in the approvals channel.
            how = " with an override" if override else ""
            note = (
                f":white_check_mark: {render.person(approval.deployment.approved_by)} approved your request "
                f"#{request.id}{how}: {render.model(request.model_id, request.endpoint)} is live now."
            )
            effects.append(requester_note(request, note))
        return effects

    return render_approval


# What the requester asked for, in "rejected your request #… to <verb> <model>".
REJECTED_VERBS: dict[str, str] = {
    RequestKind.ROLLBACK: "roll back to",
    RequestKind.SHADOW: "shadow",
    RequestKind.CANARY: "canary",
}


def rejection_effects(gate: Sequence[Block]) -> RejectionEffects:
    def render_rejection(request: RequestView) -> list[SlackEffect]:
        effects = request_update(request, gate)
        if request.decided_by != request.requested_by:  # a withdrawal needs no note to oneself
            what = REJECTED_VERBS.get(request.kind, "switch to")
            note = (
                f":no_entry: {render.person(request.decided_by or '')} rejected your request #{request.id} "
                f"to {what} {render.model(request.model_id, request.endpoint)}."
            )
            if request.decision_reason:
                note += f"\n>{text.safe_mrkdwn(request.decision_reason, 1000)}"
            effects.append(requester_note(request, note))
        return effects

    return render_rejection


def break_glass_effects(channel: str) -> ApprovalEffects:
    def render_rollback(approval: Approval) -> list[SlackEffect]:
        return [announcement(approval, channel)]

    return render_rollback
