from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.deployments import live_deployment
from bot.errors import InvalidInput
from bot.routing.canary import message_key
from commands.context import services_of
from commands.triage import delivery
from commands.triage.message_text import NOTHING_READABLE, customer_words, posted_by

OWN_MESSAGE = (
    "That is my own triage result, not a customer's message. "
    "Use *Triage message* on the customer's message itself."
)


async def triage_message_shortcut(
    ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    """ "Triage message" on any message: the result goes to that message's thread, or privately."""
    await ack()
    services = services_of(context)
    message = shortcut.get("message", {})
    if posted_by(message, bot_id=context.get("bot_id"), bot_user_id=context.get("bot_user_id")):
        raise InvalidInput(OWN_MESSAGE)
    words = customer_words(message)
    if not words:
        raise InvalidInput(NOTHING_READABLE)
    text = services.triage.clean(words)
    channel, user = shortcut["channel"]["id"], shortcut["user"]["id"]
    thread_ts = message.get("thread_ts") or message["ts"]
    destination = delivery.for_shortcut(client, shortcut["response_url"], channel, thread_ts, user)
    deployment = await live_deployment(services.db)
    await delivery.triage_and_deliver(
        services,
        destination,
        text,
        deployment,
        source="shortcut",
        user_id=user,
        channel_id=channel,
        sticky_key=message_key(channel, thread_ts),  # the same message or thread: the same arm
    )
