"""Acknowledging so that the acknowledgement survives a failure right after it.

Bolt's async runner polls for the ack every 10 ms; when a listener raises after acking but before
that poll, the runner's error path overwrites the ack with None and Slack gets a 404
("dispatch_failed") although we did answer. A refusal found quickly after the ack (bad model ID,
not an approver) hits exactly that window, so our acks wait a moment for the runner to see them.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from slack_bolt.context.ack.async_ack import AsyncAck

# Several of Bolt's 10 ms polls; invisible next to Slack's 3-second ack deadline.
SETTLE_SECONDS = 0.05


async def ack_and_settle(ack: AsyncAck, **kwargs: Any) -> None:
    await ack(**kwargs)
    await asyncio.sleep(SETTLE_SECONDS)


def settling(ack: AsyncAck) -> AsyncAck:
    """The same ack, waiting for Bolt to pick it up; handed to every /model subcommand."""

    async def settled(*args: Any, **kwargs: Any) -> Any:
        result = await ack(*args, **kwargs)
        await asyncio.sleep(SETTLE_SECONDS)
        return result

    return cast(AsyncAck, settled)
