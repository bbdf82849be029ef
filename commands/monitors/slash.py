"""`/model monitors`: every monitor's value, level, window, thresholds and open incident."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deployments import live_deployment
from bot.errors import NotFound
from bot.monitors import service
from commands.context import services_of
from commands.monitors import blocks
from commands.render import utcnow
from commands.respond import respond

MONITORS_USAGE = "/model monitors"


async def monitors_subcommand(
    args: str, command: dict[str, Any], ack: AsyncAck, client: AsyncWebClient, context: dict
) -> None:
    # Reading the windows takes a few aggregates: acknowledge first, answer through the response URL.
    await ack(response_type="ephemeral", text="Reading the monitors…")
    services = services_of(context)
    found = await service.states(services.db, services.monitor_specs, utcnow(), services.prices)
    try:
        live: str | None = (await live_deployment(services.db)).model_id
    except NotFound:
        live = None
    await respond(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=blocks.monitors_text(found),
        blocks=blocks.monitors_blocks(found, live),
    )
