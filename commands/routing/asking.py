"""A shadow or canary asked for by someone who needs a lead's approval: checked, then posted to the
approvals channel like a switch request (`/model shadow` by a non-approver, `/model canary`)."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import TriagebotError
from bot.registry import RequestKind
from bot.routing import RouteRequest
from bot.routing.requests import plan_route
from bot.services import Services
from commands.errors import user_message
from commands.model.switch import replace_checking, request_approval
from commands.render import utcnow


async def ask_for_route(
    kind: RequestKind,
    ask: RouteRequest,
    command: dict[str, Any],
    client: AsyncWebClient,
    services: Services,
) -> None:
    """After the "Checking…" ack: plan the request (a refusal replaces that word), then post it."""
    try:
        plan = await plan_route(
            services.db,
            services.models,
            services.registry.approvers,
            kind=kind,
            requested_by=command.get("user_id") or "",
            model_id=ask.model_id,
            endpoint=ask.endpoint,
            percent=ask.percent,
            reason=ask.reason,
            now=utcnow(),
        )
    except TriagebotError as exc:
        await replace_checking(command, user_message(exc, command))
        return
    await request_approval(plan, command, client, services)
