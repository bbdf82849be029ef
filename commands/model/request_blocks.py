"""The approval request message, in every state it goes through (pending, then decided or closed).

`approval_request_blocks` is a function of the request alone plus optional extra sections, so other
checks (e.g. an eval gate) can add their evidence without touching this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.registry import DeploymentKind, RequestKind, RequestStatus
from bot.registry.approvals import Approval
from bot.registry.model_ids import is_shut_down, parse_shutdown, shuts_down_soon
from bot.registry.views import RequestView
from commands import render, text
from commands.ids import Action
from commands.ids import Block as BlockId

KIND_TITLES: dict[str, str] = {
    RequestKind.SWITCH: ":arrows_counterclockwise: Model switch",
    RequestKind.ROLLBACK: ":rewind: Rollback",
    RequestKind.SHADOW: ":ghost: Shadow",
    RequestKind.CANARY: ":hatching_chick: Canary",
}
# What an approved shadow or canary request does now, on its decided message.
_APPROVED: dict[str, str] = {
    RequestKind.SHADOW: "shadowing now (agents never see its answers)",
    RequestKind.CANARY: "serving its share of live triages now",
}


def share(request: RequestView) -> str:
    """A shadow or canary request's share of live triages, e.g. " on 10% of live triages"."""
    return f" on {request.percent}% of live triages" if request.percent else ""


def title(request: RequestView) -> str:
    return f"*{KIND_TITLES.get(request.kind, 'Model change')} request #{request.id}*"


def approval_request_blocks(
    request: RequestView, *, now: datetime, extra_sections: Sequence[Block] = ()
) -> list[Block]:
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=title(request))),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Requested by*\n{render.person(request.requested_by)}"),
                MarkdownTextObject(text=f"*Reason*\n{render.reason(request.reason)}"),
                MarkdownTextObject(
                    text=f"*Live now*\n{render.model(request.from_model_id or '?', request.from_endpoint or '?')}"
                ),
                MarkdownTextObject(
                    text=f"*Candidate*\n{render.model(request.model_id, request.endpoint)}{share(request)}"
                ),
            ]
        ),
    ]
    blocks += shutdown_blocks(request, now)
    blocks += list(extra_sections)
    blocks += outcome_blocks(request)
    return blocks


def shutdown_blocks(request: RequestView, now: datetime) -> list[Block]:
    shutdown = parse_shutdown(request.shutdown_date)
    if shutdown is None:
        return []
    note = render.shutdown_note(shutdown, now)
    if shuts_down_soon(shutdown, now) or is_shut_down(shutdown, now):
        warning = (
            f"*Heads up: {text.inline_code(request.model_id)} {note}.* After that date it stops answering "
            "and every triage fails; plan the next switch before then."
        )
        return [SectionBlock(text=MarkdownTextObject(text=warning))]
    return [ContextBlock(elements=[MarkdownTextObject(text=f"Candidate {note}.")])]


def outcome_blocks(request: RequestView) -> list[Block]:
    when = render.moment(request.decided_at) if request.decided_at else ""
    match request.status:
        case RequestStatus.PENDING:
            return [
                ActionsBlock(block_id=BlockId.SWITCH_ACTIONS, elements=buttons(request)),
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=f"Expires {render.moment(request.expires_at)} · only a lead other than the "
                            "requester can approve"
                        )
                    ]
                ),
            ]
        case RequestStatus.APPROVED:
            now_what = _APPROVED.get(request.kind, "now live")
            line = f":white_check_mark: *Approved by {render.person(request.decided_by)}* {when}: {now_what}."
        case RequestStatus.REJECTED:
            verb = "Withdrawn" if request.decided_by == request.requested_by else "Rejected"
            line = f":no_entry: *{verb} by {render.person(request.decided_by)}* {when}"
            if request.decision_reason:
                line += f"\n>{text.safe_mrkdwn(request.decision_reason, 1000)}"
        case RequestStatus.SUPERSEDED:
            reason = (request.decision_reason or "superseded").capitalize()
            line = f":fast_forward: *{text.escape_mrkdwn(reason)}* {when}"
        case RequestStatus.EXPIRED:
            line = f":hourglass: *Expired* {render.moment(request.expires_at)} without a decision."
        case RequestStatus.STALE:
            line = ":warning: *Stale*: the live model changed after this request was made, so it can't be approved."
        case _:
            line = f"*{text.escape_mrkdwn(request.status.capitalize())}*"
    return [SectionBlock(text=MarkdownTextObject(text=line))]


def buttons(request: RequestView) -> list[ButtonElement]:
    value = str(request.id)
    if request.kind == RequestKind.SHADOW:
        question = "Start shadowing?"
        effect = f"{request.model_id} will also answer {request.percent}% of live triages, unseen (it costs model calls)."
    elif request.kind == RequestKind.CANARY:
        question = "Serve the canary?"
        effect = f"{request.percent}% of live triages will be answered by {request.model_id} on {request.endpoint}."
    else:
        question = "Switch the live model?"
        effect = f"Every triage will use {request.model_id} on {request.endpoint} from now on."
    confirm = ConfirmObject(
        title=question,
        text=PlainTextObject(text=text.truncate(effect, 300)),
        confirm="Approve",
        deny="Cancel",
    )
    return [
        ButtonElement(
            text="Approve", action_id=Action.APPROVE_SWITCH, value=value, style="primary", confirm=confirm
        ),
        ButtonElement(text="Reject", action_id=Action.REJECT_SWITCH, value=value, style="danger"),
    ]


def request_text(request: RequestView) -> str:
    """Notification fallback for the approval message."""
    verb = request.kind if request.kind in KIND_TITLES else "switch"
    state = "" if request.status == RequestStatus.PENDING else f" ({request.status})"
    return text.truncate(
        f"Model {verb} request #{request.id}{state} from {render.person(request.requested_by)}: "
        f"{text.inline_code(request.from_model_id or '?')} → {text.inline_code(request.model_id)}",
        text.FALLBACK_TEXT_MAX,
    )


def announcement_text(approval: Approval) -> str:
    """The channel-wide note that the live model changed, naming everyone involved."""
    d = approval.deployment
    change = (
        f"{render.model(d.previous_model_id or '?', d.previous_endpoint or '?')} → "
        f"{render.model(d.model_id, d.endpoint)}"
    )
    if approval.request is None or d.break_glass:
        head = (
            f":rewind: *{render.person(d.requested_by)} rolled back the live model* "
            f"(no approval needed)\n{render.break_glass(d.requested_by, d.reason, 500)}"
        )
    elif d.kind == DeploymentKind.ROLLBACK:
        head = f":rewind: *Live model rolled back*: approved by {render.person(d.approved_by)}, requested by {render.person(d.requested_by)}"
    else:
        head = f":rocket: *Live model switched*: approved by {render.person(d.approved_by)}, requested by {render.person(d.requested_by)}"
    lines = [head, change]
    if not d.break_glass:  # a break-glass rollback's reason is in its head
        lines.append(f"Reason: {render.reason(d.reason)}")
    if d.override_reason:
        lines.append(f"Override: {text.safe_mrkdwn(d.override_reason, 500)}")
    lines.append("The next `/triage` uses it. Undo with `/model rollback`.")
    return text.truncate("\n".join(lines), text.SECTION_TEXT_MAX)
