"""Approve and Reject buttons on approval requests, and the modal that asks why a request is rejected."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import TriagebotError
from bot.registry import Approval, OverrideRequired
from bot.registry.views import RequestView
from bot.routing.requests import RouteApproval, approve_route, is_route_request
from bot.services import Services
from commands import render, text
from commands.context import services_of
from commands.errors import mention_people
from commands.ids import Action, Block, metadata_row_id, row_id
from commands.ids import View as ViewId
from commands.model import decision_effects
from commands.model.gate import ask_for_override, gate_sections_for
from commands.model.home import publish_home
from commands.model.route_effects import route_approval_effects
from commands.render import utcnow


def request_id_of(value: str | None) -> int:
    return row_id(value, hint="Check `/model status`.")


async def approve_switch(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    await ack()
    services = services_of(context)
    request_id = request_id_of(action.get("value"))
    user = body["user"]["id"]
    # From the App Home there is no channel: the announcement goes where the request was posted,
    # or else to the approver.
    fallback = (body.get("channel") or {}).get("id") or user
    # A request this click finds expired or stale has its message updated through the outbox.
    try:
        await approve(services, request_id, user, fallback)
    except OverrideRequired as refused:
        await ask_for_override(client, body, refused)  # below the eval gate: the override modal approves
        return
    if (body.get("container") or {}).get("type") == "view":
        await publish_home(client, services, user)  # its buttons are spent: show the new state


async def approve(
    services: Services,
    request_id: int,
    approver: str,
    fallback_channel: str,
    *,
    override_reason: str | None = None,
) -> Approval | RouteApproval:
    """Approve, with the message update, the announcement and the requester's note queued in the
    same transaction (the outbox sends them): used by the Approve button and the override modal.
    A shadow or canary request changes the routing instead of the live model."""
    gate = await gate_sections_for(services, request_id)
    if await is_route_request(services.db, request_id):
        registry = services.registry
        try:
            return await approve_route(
                services.db,
                services.models,
                registry.approvers,
                request_id,
                approver,
                now=utcnow(),
                override_reason=override_reason,
                effects=route_approval_effects(gate, fallback_channel),
                closed_effects=registry.closed_effects,
                gate=registry.gate,
            )
        finally:  # a refusal may have closed the request (expired, stale) and queued its update
            registry.outbox.ring()
    effects = decision_effects.approval_effects(gate, fallback_channel, override=override_reason is not None)
    return await services.registry.approve(
        request_id, approver, now=utcnow(), override_reason=override_reason, effects=effects
    )


async def reject_switch(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    await ack()
    services = services_of(context)
    request_id = request_id_of(action.get("value"))
    request = await services.registry.check_can_reject(request_id, body["user"]["id"], now=utcnow())
    await client.views_open(trigger_id=body["trigger_id"], view=reject_modal(request))


def reject_modal(request: RequestView) -> View:
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
    services = services_of(context)
    request_id = metadata_row_id(view, "request_id", hint="Check `/model status`.")
    values = view.get("state", {}).get("values", {})
    reason = (values.get(Block.REJECT_REASON, {}).get(Action.REJECT_REASON) or {}).get("value")
    user = body["user"]["id"]
    try:
        gate = await gate_sections_for(services, request_id)
        effects = decision_effects.rejection_effects(gate)
        await services.registry.reject(request_id, user, reason, now=utcnow(), effects=effects)
    except TriagebotError as exc:
        # The modal is still open: show why right there instead of closing it silently.
        await ack(
            response_action="errors", errors={Block.REJECT_REASON: text.truncate(mention_people(exc.user_message, exc.people), 150)}
        )
        return
    await ack()


async def submit_override(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    services = services_of(context)
    request_id = metadata_row_id(view, "request_id", hint="Check `/model status`.")
    values = view.get("state", {}).get("values", {})
    reason = (
        (values.get(Block.OVERRIDE_REASON, {}).get(Action.OVERRIDE_REASON) or {}).get("value") or ""
    ).strip()
    if not reason:
        await ack(response_action="errors", errors={Block.OVERRIDE_REASON: "Say why the gate is overridden."})
        return
    user = body["user"]["id"]
    try:
        await approve(services, request_id, user, "", override_reason=reason)
    except TriagebotError as exc:
        await ack(
            response_action="errors", errors={Block.OVERRIDE_REASON: text.truncate(mention_people(exc.user_message, exc.people), 150)}
        )
        return
    await ack()
