from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deployments import live_deployment
from bot.services import Services
from commands.triage import blocks


async def triage_message_shortcut(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    """ "Triage message" on any message: the result goes to that message's thread."""
    await ack()
    services: Services = context["services"]
    message = shortcut.get("message", {})
    channel = shortcut["channel"]["id"]
    thread_ts = message.get("thread_ts") or message["ts"]
    text = services.triage.clean(message.get("text"))
    deployment = await live_deployment(services.db)
    result = await services.triage.triage(
        text, deployment, source="shortcut", user_id=shortcut["user"]["id"], channel_id=channel
    )
    await client.chat_postMessage(
        channel=channel,
        thread_ts=thread_ts,
        text=blocks.result_text(result),
        blocks=blocks.result_blocks(result),
    )
