from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deployments import live_deployment
from bot.services import Services
from commands.block_kit import as_dicts
from commands.respond import respond
from commands.triage import blocks


async def triage_command(ack: AsyncAck, command: dict[str, Any], context: dict) -> None:
    """/triage <message>: ack with "working" at once, then deliver the result via response_url."""
    services: Services = context["services"]
    text = services.triage.clean(command.get("text"))
    deployment = await live_deployment(services.db)
    await ack(
        response_type="ephemeral",
        text=blocks.working_text(deployment.model_id),
        blocks=blocks.working_blocks(deployment.model_id),
    )
    result = await services.triage.triage(
        text,
        deployment,
        source="command",
        user_id=command.get("user_id"),
        channel_id=command.get("channel_id"),
    )
    await respond(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=blocks.result_text(result),
        blocks=as_dicts(blocks.result_blocks(result)),
    )
