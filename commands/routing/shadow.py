"""`/model shadow …`: start, stop and read the shadow candidate, and review its disagreements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.routing import parse_request, shadow_report
from bot.routing.requests import SHADOW
from bot.services import Services
from commands import text
from commands.context import services_of
from commands.respond import respond
from commands.routing import blocks
from commands.routing.asking import ask_for_route


async def shadow_subcommand(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, context: dict
) -> None:
    services = services_of(context)
    user = command.get("user_id") or ""
    word, _, rest = args.strip().partition(" ")
    match word.lower():
        case "" | "status":
            report = await shadow_report(
                services.db,
                daily_cap=services.settings.triage_shadow_daily_calls,
                categories=services.settings.triage_categories,
                now=datetime.now(UTC),
            )
            await ack(
                response_type="ephemeral",
                text=blocks.status_text(report),
                blocks=blocks.status_blocks(report),
            )
        case "stop":
            route = await services.shadow_routes.stop(user, rest)
            await ack(response_type="ephemeral", text=blocks.stopped_text(route))
        case "review":
            item = await services.shadow_reviews.next_disagreement()
            await ack(
                response_type="ephemeral",
                text=blocks.review_text(item),
                blocks=blocks.review_blocks(item),
            )
        case _:
            await _start(args, command, ack, client, services, user)


async def _start(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, services: Services, user: str
) -> None:
    request = parse_request(args)
    routes = services.shadow_routes
    await ack(
        response_type="ephemeral",
        text=f":hourglass_flowing_sand: Checking {text.inline_code(request.model_id)} "
        f"on {text.inline_code(request.endpoint)} before shadowing it…",
    )
    if not await routes.is_approver(user):
        # It doubles model calls on live traffic: anyone else asks, and a lead approves.
        await ask_for_route(SHADOW, request, command, client, services)
        return
    started = await routes.start(user, request)
    await respond(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=blocks.started_text(started),
    )

