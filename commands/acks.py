"""Acknowledgements that survive a failure right after them.

Bolt's async runner polls for the ack every 10 ms. When a listener raises after acking but before
that poll, the runner's error path overwrites the ack with None and Slack gets a 404
("dispatch_failed") although we did answer. Refusals found right after the ack (a malformed button
value, a non-approver) hit exactly that window, so every ack waits until the runner has had the
chance to see it. Installed once for all listeners by `install_settling_ack`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse

# Several of Bolt's 10 ms polls; invisible next to Slack's 3-second ack deadline.
SETTLE_SECONDS = 0.05


class SettlingAck(AsyncAck):
    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        await asyncio.sleep(SETTLE_SECONDS)
        return response


async def install_settling_ack(context: dict, next: Callable[[], Awaitable[None]]) -> None:
    """Global middleware: the listener runner reads `context.ack` after middleware has run."""
    context["ack"] = SettlingAck()
    await next()
