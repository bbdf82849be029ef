"""/model switch and /model rollback: check the candidate, then ask for approval (or, for a lead's
rollback, act at once)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InvalidInput, ModelUnknown, TriagebotError
from bot.registry import RequestKind, SwitchPlan
from bot.registry.requests import RollbackUndoesRollback
from bot.registry.views import DeploymentView, RequestView
from bot.services import Services
from commands import render, text
from commands.context import services_of
from commands.errors import user_message
from commands.model import decision_effects, messages
from commands.model.evidence_blocks import evidence_sections
from commands.model.gate import start_gate
from commands.render import utcnow
from commands.respond import respond as respond_with_retries

SWITCH_USAGE = "/model switch <model-id> [on <endpoint>] [reason…]"
# "<model-id> [on <endpoint>] [reason…]"; the reason keeps its own spacing and line breaks.
# Model IDs never contain spaces, so the first word is always the ID and any other words are the
# reason (after `on <endpoint>`, if given). "/model switch not a model" therefore checks `not`;
# when that ID is unknown the answer says which word was taken as the ID and which as the reason.
_SWITCH_ARGS = re.compile(
    r"(?P<model>\S+)(?:\s+on\s+(?P<endpoint>\S+))?(?:\s+(?P<reason>.*))?", re.IGNORECASE | re.DOTALL
)


def parse_switch_args(args: str) -> tuple[str, str | None, str | None]:
    match = _SWITCH_ARGS.fullmatch(args.strip())
    if match is None:
        raise InvalidInput(f"Name the model to switch to: `{SWITCH_USAGE}`.")
    model_id = match["model"]
    if len(model_id) > 2 and model_id[0] == model_id[-1] == "`":
        model_id = model_id[1:-1]  # pasted as inline code
    return model_id, match["endpoint"], match["reason"]


async def switch_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    model_id, endpoint, reason = parse_switch_args(args)
    await ack(response_type="ephemeral", text=f"Checking {text.inline_code(model_id)}…")
    services = services_of(context)
    try:
        plan = await services.registry.plan_switch(
            command["user_id"], model_id, endpoint, reason, now=utcnow()
        )
    except TriagebotError as exc:
        note = ""
        if isinstance(exc, ModelUnknown) and reason:
            note = (
                f"\nI read {text.inline_code(model_id)} as the model ID and "
                f"“{text.safe_mrkdwn(reason, 200)}” as the reason: model IDs have no spaces."
            )
        await replace_checking(command, user_message(exc, command) + note)
        return
    await request_approval(plan, command, client, services)


async def replace_checking(command: dict[str, Any], message: str) -> None:
    """Answer in place of the "Checking…" note, so it is not left behind above the answer."""
    await respond_with_retries(
        command["response_url"], response_type="ephemeral", replace_original=True, text=message
    )


async def rollback_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    await ack(response_type="ephemeral", text="Checking the previous model…")
    services = services_of(context)
    registry, user, now = services.registry, command["user_id"], utcnow()
    confirmed, reason = parse_rollback_args(args)
    try:
        plan = await registry.plan_rollback(user, reason, now=now, confirmed=confirmed)
    except RollbackUndoesRollback as exc:
        await replace_checking(command, undo_warning(exc.removal, reason))
        return
    except TriagebotError as exc:
        await replace_checking(command, user_message(exc, command))
        return
    if not await registry.may_roll_back_at_once(user, now=now):
        await request_approval(plan, command, client, services)
        return
    channel = services.settings.triage_approval_channel or command["channel_id"]
    # The announcement goes through the outbox, queued with the rollback itself (H3: exactly once).
    await registry.rollback_now(plan, now=now, effects=decision_effects.break_glass_effects(channel))
    done = f":rewind: Rolled back: {render.model(plan.model_id, plan.endpoint)} is live again."
    await respond_with_retries(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=done + f" Announcing it in {render.channel(channel)}.",
    )


def parse_rollback_args(args: str) -> tuple[bool, str | None]:
    """`[confirm] [reason…]`: "confirm" first says yes to undoing an earlier rollback."""
    words = args.strip().split(None, 1)
    if words and words[0].lower() == "confirm":
        return True, words[1] if len(words) > 1 else None
    return False, args.strip() or None


def undo_warning(removal: DeploymentView, reason: str | None) -> str:
    """Why a second rollback is held: it would put back the model the first one removed."""
    removed = render.model(removal.previous_model_id or "?", removal.previous_endpoint or "?")
    if removal.break_glass:
        who = f"break-glass by {render.person(removal.requested_by)}"
    else:
        who = (
            f"requested by {render.person(removal.requested_by)}, "
            f"approved by {render.person(removal.approved_by)}"
        )
    again = f"/model rollback confirm {reason}" if reason else "/model rollback confirm [reason]"
    return (
        f":warning: {removed} was itself rolled back {render.moment(removal.created_at)} ({who}): "
        f"{render.reason(removal.reason, 300)}\n"
        f"Rolling back now would put it back live. Nothing was changed. If that is what you want, "
        f"send {text.inline_code(text.truncate(again, 200))}."
    )


REQUEST_NOUNS: dict[str, str] = {
    RequestKind.ROLLBACK: "Rollback",
    RequestKind.SHADOW: "Shadow",
    RequestKind.CANARY: "Canary",
}


async def request_approval(
    plan: SwitchPlan,
    command: dict[str, Any],
    client: AsyncWebClient,
    services: Services,
) -> None:
    registry = services.registry
    request: RequestView = await registry.open_request(
        plan, requester_channel_id=command["channel_id"], now=utcnow()
    )
    channel = services.settings.triage_approval_channel or command["channel_id"]
    # A candidate already shadowed or canaried: its live evidence is on the request from the start.
    evidence = await evidence_sections(services, request)
    request = await messages.post_approval_request(client, registry, request, channel, evidence)
    verb = REQUEST_NOUNS.get(plan.kind, "Switch")
    lines = [
        f"{verb} request #{request.id} to {render.model(plan.model_id, plan.endpoint)} is waiting for a lead in "
        f"{render.channel(request.channel_id or channel)}. It expires {render.moment(request.expires_at)}.",
    ]
    if plan.shutdown_date:
        lines.append(f"Note: the candidate {render.shutdown_note(plan.shutdown_date, utcnow())}.")
    await respond_with_retries(
        command["response_url"], response_type="ephemeral", replace_original=True, text="\n".join(lines)
    )
    # The eval gate: runs the candidate (and the live model if needed), then updates the message.
    await start_gate(client, services, request)
