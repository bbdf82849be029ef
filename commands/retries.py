"""Slack delivers an event again when it thinks the first delivery failed (a late ack, an HTTP
error, a dropped connection), and may deliver one message as two events. Whatever the retry
reason, the first delivery may have been acted on already (here, or by another replica), so each
event ID, and each mentioned message, is acted on once: the duplicate is acknowledged with 200 so
Slack stops retrying, and nothing else happens. The record is in the database, shared by every
process; Socket Mode deliveries go through here too."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.outbox.seen import SeenDeliveries, event_key, mention_key

log = logging.getLogger(__name__)

Middleware = Callable[
    [AsyncBoltRequest, Callable[[], Awaitable[BoltResponse | None]]], Awaitable[BoltResponse | None]
]


def delivery_keys(body: dict[str, Any]) -> list[str]:
    """What makes this Events API delivery the same as an earlier one (empty: not an event)."""
    if body.get("type") != "event_callback" or not body.get("event_id"):
        return []
    keys = [event_key(str(body["event_id"]))]
    event = body.get("event")
    if (
        isinstance(event, dict)
        and event.get("type") == "app_mention"
        and event.get("channel")
        and event.get("ts")
    ):
        keys.append(mention_key(str(event["channel"]), str(event["ts"])))
    return keys


def drop_duplicate_events(seen: SeenDeliveries) -> Middleware:
    async def middleware(
        req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        keys = delivery_keys(req.body)
        if keys and not await seen.first_time(keys):
            reason = (req.headers.get("x-slack-retry-reason") or ["none"])[0]
            attempt = (req.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("ignored a repeated delivery of an event (retry %s, reason %s)", attempt, reason)
            return BoltResponse(status=200, body="")
        return await next()

    return middleware
