from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deployments import live_deployment
from bot.errors import InvalidInput
from bot.routing.canary import message_key
from commands.context import services_of
from commands.triage import delivery
from commands.triage.message_text import customer_words, mention_words, posted_by
from commands.triage.shortcut import OWN_MESSAGE

HELP = (
    "*How to triage with me*\n"
    "• `@triagebot <customer's message>`: I triage the words after the mention, in this thread.\n"
    "• `@triagebot` alone, in the thread under a customer's message: I triage that message.\n"
    "• *Triage message* in a message's `⋮` menu: the same for any message, even where I'm not invited.\n"
    "• `/triage <customer's message>`: only you see the result. `/triage history`: your last 10."
)
EMPTY_OUTSIDE_THREAD = (
    "Mention me with the customer's message after it (`@triagebot <message>`), or mention me alone "
    "in the thread under a customer's message. `@triagebot help` says more."
)
UNREADABLE_THREAD = (
    "I couldn't read the message this thread started with. "
    "Paste its text after the mention: `@triagebot <message>`."
)


async def triage_mention(event: dict[str, Any], client: AsyncWebClient, context: dict) -> None:
    """@triagebot <message> triages the words; @triagebot alone in a thread triages the thread's first message."""
    services = services_of(context)
    channel, user = event["channel"], event.get("user") or ""
    reply_ts = event.get("thread_ts") or event["ts"]
    words = mention_words(event)
    if words.strip().lower() in ("help", "?"):
        await client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=HELP)
        return
    if not words:
        words = await _thread_parent_words(event, client, context)
    text = services.triage.clean(words)
    destination = delivery.for_mention(client, channel, reply_ts, user)
    deployment = await live_deployment(services.db)
    await delivery.triage_and_deliver(
        services,
        destination,
        text,
        deployment,
        source="mention",
        user_id=user or None,
        channel_id=channel,
        sticky_key=message_key(channel, reply_ts),  # the same thread is the same ticket: the same arm
    )


async def _thread_parent_words(event: dict[str, Any], client: AsyncWebClient, context: dict) -> str:
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event["ts"]:
        raise InvalidInput(EMPTY_OUTSIDE_THREAD)
    try:
        reply = await client.conversations_replies(channel=event["channel"], ts=thread_ts, limit=1)
    except SlackApiError:
        raise InvalidInput(UNREADABLE_THREAD) from None
    messages = reply.get("messages") or []
    parent = messages[0] if messages and isinstance(messages[0], dict) else {}
    if posted_by(parent, bot_id=context.get("bot_id"), bot_user_id=context.get("bot_user_id")):
        raise InvalidInput(OWN_MESSAGE)
    words = customer_words(parent)
    if not words:
        raise InvalidInput(UNREADABLE_THREAD)
    return words
