from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deployments import live_deployment
from commands.context import services_of
from commands.triage import blocks, delivery, history


async def triage_command(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    """/triage <message>: ack with "working" at once, then deliver the result via response_url.

    `/triage history` lists the agent's own recent triages instead; it is never a customer message.
    """
    services = services_of(context)
    user, channel = command.get("user_id") or "", command.get("channel_id") or ""
    if (command.get("text") or "").strip().lower() == "history":
        rows = await services.triage.recent(user, history.RECENT_TRIAGES)
        await ack(
            response_type="ephemeral", text=history.history_text(rows), blocks=history.history_blocks(rows)
        )
        return
    text = services.triage.clean(command.get("text"))
    deployment = await live_deployment(services.db)
    await ack(
        response_type="ephemeral",
        text=blocks.working_text(deployment.model_id),
        blocks=blocks.working_blocks(deployment.model_id),
    )
    destination = delivery.for_command(client, command["response_url"], channel, user)
    await delivery.triage_and_deliver(
        services,
        destination,
        text,
        deployment,
        source="command",
        user_id=user or None,
        channel_id=channel or None,
    )
