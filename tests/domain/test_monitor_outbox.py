"""Editing a message the outbox has not posted yet (issue 11): the post's channel and ts are recorded
from Slack's answer, an edit queued before that waits (without spending attempts), a newer edit
replaces an older one still waiting, and an edit of a post that failed for good fails too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bot.outbox.effects import MESSAGE_OF, Doorbell, SlackEffect, enqueue
from bot.outbox.worker import OutboxWorker, Refused, RetryLater
from storage import incidents
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus


def _rows(db: Database) -> Any:
    async def read() -> dict[str, OutboxMessage]:
        from sqlmodel import select

        async with db.session() as session:
            return {r.dedupe_key: r for r in (await session.exec(select(OutboxMessage))).all()}

    return read()


def test_an_edit_waits_for_its_post_then_edits_that_ts(any_db_url: str) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    posting = {"allowed": False}

    async def send(method: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if method == "chat.postMessage" and not posting["allowed"]:
            raise RetryLater("ratelimited", after=0)
        sent.append((method, payload))
        return {"ok": True, "channel": "C0ALERTS", "ts": "1700000001.000200", "message": {"text": "long"}}

    async def scenario() -> dict[str, OutboxMessage]:
        db = Database(any_db_url)
        now = datetime.now(UTC)
        try:
            async with db.transaction() as session:
                await enqueue(
                    session,
                    "i:1:open",
                    [SlackEffect("message", "chat.postMessage", {"channel": "C0ALERTS"})],
                    now,
                )
                edit = {"text": "first edit", MESSAGE_OF: "i:1:open:message"}
                await enqueue(session, "i:1:update:a", [SlackEffect("message", "chat.update", edit)], now)
            worker = OutboxWorker(db, send, Doorbell())
            # The post is held up (a passing failure), so the edit cannot go: it waits, unspent.
            assert await worker.deliver_due() == 0
            waiting = (await _rows(db))["i:1:update:a:message"]
            assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0
            async with db.transaction() as session:
                # A newer edit replaces the older one still waiting (it would show a stale state).
                assert await incidents.drop_pending_edits(session, "i:1", now) == 1
                newer = {"text": "second edit", MESSAGE_OF: "i:1:open:message"}
                await enqueue(session, "i:1:update:b", [SlackEffect("message", "chat.update", newer)], now)
            posting["allowed"] = True
            await asyncio.sleep(2.1)  # past the post's backoff and the edit's wait
            await worker.deliver_due()
            await worker.deliver_due()
            return await _rows(db)
        finally:
            await db.dispose()

    rows = asyncio.run(scenario())
    assert [method for method, _ in sent] == ["chat.postMessage", "chat.update"]
    assert sent[1][1] == {"text": "second edit", "channel": "C0ALERTS", "ts": "1700000001.000200"}
    assert rows["i:1:open:message"].result == {"channel": "C0ALERTS", "ts": "1700000001.000200"}
    assert "i:1:update:a:message" not in rows


def test_an_edit_of_a_post_that_failed_for_good_fails_too(sqlite_url: str) -> None:
    async def send(method: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        raise Refused("channel_not_found")

    async def scenario() -> dict[str, OutboxMessage]:
        db = Database(sqlite_url)
        now = datetime.now(UTC)
        try:
            async with db.transaction() as session:
                await enqueue(
                    session,
                    "i:2:open",
                    [SlackEffect("message", "chat.postMessage", {"channel": "C0GONE"})],
                    now,
                )
                edit = {"text": "edit", MESSAGE_OF: "i:2:open:message"}
                await enqueue(session, "i:2:resolve", [SlackEffect("message", "chat.update", edit)], now)
            worker = OutboxWorker(db, send, Doorbell())
            await worker.deliver_due()
            await worker.deliver_due()
            return await _rows(db)
        finally:
            await db.dispose()

    rows = asyncio.run(scenario())
    assert rows["i:2:open:message"].status == OutboxStatus.FAILED
    resolved = rows["i:2:resolve:message"]
    assert resolved.status == OutboxStatus.FAILED and "never posted" in (resolved.last_error or "")
