"""Slack side effects of a decision, and writing them to the outbox inside the decision's transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import delivery

# Not a Web API method: a private note to a user in a channel, or by DM when that is refused
# (the requester may not be in the channel any more). The worker knows how to send it.
EPHEMERAL_OR_DM = "ephemeral_or_dm"
# In a payload: "edit the message that the effect queued under this dedupe key posted". The worker
# waits until that post is sent, then fills in its channel and ts (recorded from Slack's answer), so
# an edit can be queued in the same transaction as the change it shows, before anyone knows the ts.
MESSAGE_OF = "$message_of"


@dataclass(frozen=True)
class SlackEffect:
    """One call to make. `name` tells a decision's effects apart ("update", "announce", "requester")."""

    name: str
    method: str
    payload: dict[str, Any]


def no_effects(_decision: object) -> Sequence[SlackEffect]:
    """For callers with nothing to tell Slack (the domain tests, one-off scripts)."""
    return ()


async def enqueue(session: AsyncSession, prefix: str, effects: Sequence[SlackEffect], now: datetime) -> None:
    """Queue each effect under `<prefix>:<name>`; an effect already queued is not queued again."""
    for effect in effects:
        await delivery.enqueue(session, f"{prefix}:{effect.name}", effect.method, effect.payload, now)


class Doorbell:
    """Rung after a commit that queued effects, so the worker sends them now rather than at its next poll."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll interval, not a deadline
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass
        self._event.clear()
