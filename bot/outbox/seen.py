"""Deliveries already acted on: the memory behind refusing replays and Slack's event retries.

A key is remembered in the database (one atomic insert-or-conflict), so every process sharing it
agrees on which delivery came first. Rows only need to outlive Slack's replay window: a signed
request older than that is refused by its timestamp, and Slack stops retrying an event long before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from storage import batch, delivery
from storage.db import Database
from storage.driver import Runner

log = logging.getLogger(__name__)

# slack_sdk's SignatureVerifier refuses timestamps more than five minutes old; keep a margin for
# clock skew between Slack and us.
REPLAY_WINDOW = timedelta(minutes=5)
KEEP_FOR = REPLAY_WINDOW * 2
# Expiring old rows is a DELETE scan; once a minute per process is plenty.
PRUNE_EVERY_SECONDS = 60.0


class SeenDeliveries:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._next_prune = 0.0

    async def first_time(self, keys: Iterable[str], *, now: datetime | None = None) -> bool:
        """Remember every key; True only when none of them had been seen before."""
        moment = now or datetime.now(UTC)
        wanted = list(keys)

        def remember_all(runner: Runner) -> bool:
            fresh = True
            for key in wanted:
                # Remember every key even after a conflict: the other keys of a duplicate delivery
                # must also count as seen (one message sent as two events, say).
                fresh = delivery.remember(runner, key, moment) and fresh
            return fresh

        # Committed before the answer: a group commit with concurrent requests' keys (storage.batch).
        fresh = await batch.write(self.db, remember_all)
        await self._maybe_prune(moment)
        return fresh

    async def _maybe_prune(self, now: datetime) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        async with self.db.transaction() as session:
            removed = await delivery.forget_seen_before(session, now - KEEP_FOR)
        if removed:
            log.debug("forgot %d delivery keys older than the replay window", removed)


def signature_key(signature: str) -> str:
    return f"sig:{signature}"


def event_key(event_id: str) -> str:
    return f"event:{event_id}"


def mention_key(channel: str, ts: str) -> str:
    return f"mention:{channel}:{ts}"
