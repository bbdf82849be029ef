"""`/model canary …`: ask for a canary (approved like a switch), lower or stop it (approvers, at
once), and read how it is doing."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InvalidInput
from bot.routing.abort import canary_figures
from bot.routing.canary import CanaryRoutes, parse_canary
from bot.routing.requests import CANARY
from bot.services import Services
from commands import text
from commands.context import services_of
from commands.routing import canary_blocks
from commands.routing.asking import ask_for_route

CANARY_USAGE = "/model canary [<model-id> [on <endpoint>] <percent> [reason…] | stop [reason…]]"


async def canary_subcommand(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, context: dict
) -> None:
    services = services_of(context)
    user = command.get("user_id") or ""
    word, _, rest = args.strip().partition(" ")
    routes = services.canary_routes
    match word.lower():
        case "" | "status":
            canary = await routes.latest()
            figures = await canary_figures(services.db, canary.id) if canary and canary.id else None
            await ack(
                response_type="ephemeral",
                text=canary_blocks.status_text(canary),
                blocks=canary_blocks.status_blocks(canary, figures),
            )
        case "stop":
            stopped = await routes.stop(user, rest)
            await ack(response_type="ephemeral", text=canary_blocks.stopped_text(stopped))
        case _:
            await _ask(args, command, ack, client, services, routes)


async def _ask(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    services: Services,
    routes: CanaryRoutes,
) -> None:
    user = command.get("user_id") or ""
    ask = parse_canary(args, services.registry.default_endpoint)
    active = await routes.active()
    if active is not None and (active.endpoint, active.model_id) == (ask.endpoint, ask.model_id):
        if ask.percent == active.percent:
            raise InvalidInput(f"The canary already serves {active.percent}% of live triages.")
        if ask.percent < active.percent:  # less risk: approvers need nobody's approval
            lowered = await routes.lower(user, active, ask.percent, ask.reason)
            await ack(response_type="ephemeral", text=canary_blocks.lowered_text(lowered))
            return
    await ack(
        response_type="ephemeral",
        text=f":hourglass_flowing_sand: Checking {text.inline_code(ask.model_id)} "
        f"on {text.inline_code(ask.endpoint)}…",
    )
    # Starting a canary and raising its share are both new approved steps, gated like a switch.
    await ask_for_route(CANARY, ask, command, client, services)
