"""Approve and Reject buttons on approval requests, and the modal that asks why a request is rejected."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import TriagebotError
from bot.registry import RequestClosed
from bot.services import Services
from commands import text
from commands.ids import Action, Block, metadata_row_id, row_id
from commands.ids import View as ViewId
from commands.model import messages, render
from commands.model.render import utcnow
from storage.models import SwitchRequest


def request_id_of(value: str | None) -> int:
    return row_id(value, hint="Check `/model status`.")


async def approve_switch(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    await ack()
    services: Services = context["services"]
    request_id = request_id_of(action.get("value"))
    from commands.quality.gate import gate_sections, override_requested  # commands.quality imports us

    if await override_requested(client, body, services, request_id):
        return  # below the eval gate: the override modal approves
    try:
        approval = await services.registry.approve(request_id, body["user"]["id"], now=utcnow())
    except RequestClosed as closed:
        if closed.changed:  # this click found it expired or stale: the message should say so too
            await messages.update_request_message(client, closed.request)
        raise
    request = approval.request
    assert request is not None
    await messages.update_request_message(client, request, await gate_sections(services, request))
    await messages.announce(client, approval, request.channel_id or body["channel"]["id"])
    if request.requester_channel_id != request.channel_id:
        # The announcement mentions them, but they may not be in the approvals channel.
        note = (
            f":white_check_mark: {render.person(approval.deployment.approved_by)} approved your request "
            f"#{request.id}: {render.model(request.model_id, request.endpoint)} is live now."
        )
        await messages.tell_requester(client, request, note)


async def reject_switch(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    await ack()
    services: Services = context["services"]
    request_id = request_id_of(action.get("value"))
    try:
        request = await services.registry.check_can_reject(request_id, body["user"]["id"], now=utcnow())
    except RequestClosed as closed:
        if closed.changed:
            await messages.update_request_message(client, closed.request)
        raise
    await client.views_open(trigger_id=body["trigger_id"], view=reject_modal(request))


def reject_modal(request: SwitchRequest) -> View:
    return View(
        type="modal",
        callback_id=ViewId.REJECT_SWITCH,
        private_metadata=json.dumps({"request_id": request.id}),
        title=f"Reject request #{request.id}"[:24],
        submit="Reject",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=f"Reject the {request.kind} to {render.model(request.model_id, request.endpoint)} requested by "
                f"{render.person(request.requested_by)}? They will be told, with your reason."
            ),
            InputBlock(
                block_id=Block.REJECT_REASON,
                label="Reason",  # Slack adds "(optional)" itself to optional inputs
                optional=True,
                element=PlainTextInputElement(
                    action_id=Action.REJECT_REASON, multiline=True, max_length=1000
                ),
            ),
        ],
    )


async def submit_reject(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    services: Services = context["services"]
    request_id = metadata_row_id(view, "request_id", hint="Check `/model status`.")
    values = view.get("state", {}).get("values", {})
    reason = (values.get(Block.REJECT_REASON, {}).get(Action.REJECT_REASON) or {}).get("value")
    user = body["user"]["id"]
    try:
        request = await services.registry.reject(request_id, user, reason, now=utcnow())
    except TriagebotError as exc:
        # The modal is still open: show why right there instead of closing it silently.
        await ack(
            response_action="errors", errors={Block.REJECT_REASON: text.truncate(exc.user_message, 150)}
        )
        if isinstance(exc, RequestClosed) and exc.changed:
            await messages.update_request_message(client, exc.request)
        return
    await ack()
    from commands.quality.gate import gate_sections  # commands.quality imports this package

    await messages.update_request_message(client, request, await gate_sections(services, request))
    if user != request.requested_by:
        what = "roll back to" if request.kind == "rollback" else "switch to"
        note = f":no_entry: {render.person(user)} rejected your request #{request.id} to {what} {render.model(request.model_id, request.endpoint)}."
        if request.decision_reason:
            note += f"\n>{text.safe_mrkdwn(request.decision_reason, 1000)}"
        await messages.tell_requester(client, request, note)
