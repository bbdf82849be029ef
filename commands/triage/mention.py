from __future__ import annotations

import re
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.deployments import live_deployment
from bot.services import Services
from commands.triage import blocks

_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*")


async def triage_mention(event: dict[str, Any], client: AsyncWebClient, context: dict) -> None:
    """@triagebot <message>: triage the text after the mention and answer in the thread."""
    services: Services = context["services"]
    text = services.triage.clean(_LEADING_MENTION.sub("", event.get("text", ""), count=1))
    deployment = await live_deployment(services.db)
    result = await services.triage.triage(
        text, deployment, source="mention", user_id=event.get("user"), channel_id=event["channel"]
    )
    await client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        text=blocks.result_text(result),
        blocks=blocks.result_blocks(result),
    )
