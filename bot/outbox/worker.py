"""The outbox worker: sends queued Slack side effects, each exactly once, from every process.

A row is claimed with a lease (a conditional UPDATE, so of several processes exactly one wins),
sent, then marked sent. Rate limits, 5xx and connection failures are retried with backoff;
Slack's permanent refusals (channel_not_found, message_not_found...) mark the row failed with a
warning. A process killed between claim and mark leaves the lease to expire, and another (or the
restarted) process sends the row then: for chat.update that is harmless, for a post it is the one
window where Slack could receive it twice, since chat.postMessage has no idempotency key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.outbox.effects import MESSAGE_OF, Doorbell
from storage import delivery
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Longer than one call may take (the sender's timeout is shorter), so a live sender keeps its row.
LEASE = timedelta(seconds=30)
POLL_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 300
MAX_ATTEMPTS = 12  # about half an hour of retrying, then give up loudly
BATCH = 20
# An edit whose post has not gone out yet looks again this soon (without counting an attempt).
WAIT_FOR_POST = timedelta(seconds=2)
# Of Slack's answer, what later calls may need: where the message is.
KEPT_FROM_REPLY = ("channel", "ts")


class RetryLater(Exception):
    """The call failed for a passing reason (rate limit, 5xx, connection): try again later."""

    def __init__(self, error: str, after: float | None = None) -> None:
        super().__init__(error)
        self.error, self.after = error, after


class Refused(Exception):
    """The call can never succeed as it is (channel_not_found, message_not_found...)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


# Makes one queued call and returns Slack's answer (None when there is nothing to keep); raises
# RetryLater or Refused (commands/outbox_sender.py talks to Slack).
Send = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any] | None]]


class OutboxWorker:
    def __init__(self, db: Database, send: Send, doorbell: Doorbell, *, poll: float = POLL_SECONDS) -> None:
        self.db, self.send, self.doorbell, self.poll = db, send, doorbell, poll
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self, grace: float = 5.0) -> None:
        """One last round for what the drained listeners queued, then stop. A row cut off mid-call
        keeps its lease and is sent by another process, or by this one after a restart."""
        if self._task is None:
            return
        self._stopping = True
        self.doorbell.ring()
        try:
            await asyncio.wait_for(self._task, grace)
        except TimeoutError:
            pass  # wait_for cancelled it
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database blinked: try again at the next poll
                log.warning("outbox delivery round failed: %s", type(exc).__name__)
            if self._stopping:
                return
            await self.doorbell.wait(self.poll)

    async def deliver_due(self) -> int:
        """Send every row due now; returns how many this process sent."""
        sent = 0
        now = datetime.now(UTC)
        async with self.db.session() as session:
            ids = await delivery.due_ids(session, now, BATCH)
        for row_id in ids:
            async with self.db.transaction() as session:
                row = await delivery.claim(session, row_id, datetime.now(UTC), LEASE)
            if row is not None and await self._deliver(row):
                sent += 1
        return sent

    async def _resolve(self, row: OutboxMessage) -> dict[str, Any] | None:
        """The payload to send, with a referenced post's channel and ts filled in; None when the
        row cannot go yet (deferred) or ever (failed)."""
        assert row.id is not None
        key = row.payload.get(MESSAGE_OF)
        if key is None:
            return row.payload
        async with self.db.session() as session:
            post = await delivery.by_key(session, str(key))
        if post is None or post.status == OutboxStatus.FAILED:
            await self._fail(row, f"the message to edit ({key}) was never posted")
            return None
        if post.status != OutboxStatus.SENT or not (post.result or {}).get("ts"):
            async with self.db.transaction() as session:
                await delivery.defer(session, row.id, datetime.now(UTC) + WAIT_FOR_POST)
            return None
        payload = {name: value for name, value in row.payload.items() if name != MESSAGE_OF}
        assert post.result is not None
        return {**payload, "channel": post.result["channel"], "ts": post.result["ts"]}

    async def _deliver(self, row: OutboxMessage) -> bool:
        assert row.id is not None
        payload = await self._resolve(row)
        if payload is None:
            return False
        try:
            reply = await self.send(row.method, payload)
        except RetryLater as retry:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                await self._fail(row, f"gave up after {attempts} attempts: {retry.error}")
                return False
            backoff = min(2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            due = datetime.now(UTC) + timedelta(seconds=max(backoff, retry.after or 0))
            async with self.db.transaction() as session:
                await delivery.mark_retry(session, row.id, retry.error, due)
            log.info("outbox %s: %s, retrying at %s", row.dedupe_key, retry.error, due.isoformat())
            return False
        except Refused as refused:
            await self._fail(row, refused.error)
            return False
        kept = {name: reply[name] for name in KEPT_FROM_REPLY if reply and name in reply} or None
        async with self.db.transaction() as session:
            await delivery.mark_sent(session, row.id, datetime.now(UTC), kept)
        return True

    async def _fail(self, row: OutboxMessage, error: str) -> None:
        assert row.id is not None
        async with self.db.transaction() as session:
            await delivery.mark_failed(session, row.id, error)
        log.warning("outbox %s (%s) failed for good: %s", row.dedupe_key, row.method, error)
