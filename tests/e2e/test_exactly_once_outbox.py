"""Decisions' Slack side effects go through the outbox: queued with the decision, sent once each,
retried through Slack's bad minutes, given up loudly on permanent refusals, and picked up again
after a process is killed with them pending."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.outbox.effects import Doorbell, SlackEffect, enqueue
from bot.outbox.worker import OutboxWorker, Refused, RetryLater
from bot.registry import Registry
from commands.ids import Action
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, SwitchRequest
from tests.support.app_under_test import Bot
from tests.support.bot_processes import process_of, start_bots, switches
from tests.support.model_requests import (
    APPROVALS,
    LEADS,
    approvals_bot,
    click,
    request_switch,
    set_request,
    submit_reject,
)
from tests.support.registry_setup import NOW, deployments, published
from tests.support.waiting import wait_until

__all__ = ["start_bots"]  # fixtures, used by name


def effects_of(bot: Bot, request_id: int | None) -> dict[str, Any]:
    """What the approval told Slack: the request-message update, the announcement, the requester's note."""
    return {
        "update": [c for c in bot.slack.calls_to("chat.update") if "(approved)" in c.params.get("text", "")],
        "announce": [
            c
            for c in bot.slack.calls_to("chat.postMessage")
            if "Live model switched" in c.params.get("text", "")
        ],
        "requester": [
            c
            for c in bot.slack.calls_to("chat.postEphemeral")
            if f"approved your request #{request_id}" in c.params.get("text", "")
        ],
    }


def counts(bot: Bot, request_id: int | None) -> dict[str, int]:
    return {name: len(calls) for name, calls in effects_of(bot, request_id).items()}


ONCE_EACH = {"update": 1, "announce": 1, "requester": 1}


def test_an_approval_queues_its_effects_with_the_decision_and_sends_each_once(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    click(bot, Action.APPROVE_SWITCH, request, LEADS[0])
    wait_until(lambda: counts(bot, request.id) == ONCE_EACH)
    rows = {r.dedupe_key: r for r in bot.rows(OutboxMessage)}
    assert set(rows) == {
        f"request:{request.id}:approved:{name}" for name in ("update", "announce", "requester")
    }
    wait_until(lambda: all(r.status == OutboxStatus.SENT for r in bot.rows(OutboxMessage)))
    (announced,) = effects_of(bot, request.id)["announce"]
    assert announced.params["channel"] == APPROVALS
    bot.wait_until_idle()
    assert counts(bot, request.id) == ONCE_EACH


def test_a_rejection_goes_through_the_outbox(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    assert submit_reject(bot, request, LEADS[0], "not this week").status_code == 200
    wait_until(lambda: len(bot.rows(OutboxMessage)) == 2)
    assert {r.dedupe_key for r in bot.rows(OutboxMessage)} == {
        f"request:{request.id}:rejected:update",
        f"request:{request.id}:rejected:requester",
    }
    (note,) = bot.slack.wait_for("chat.postEphemeral", lambda c: "rejected your request" in c.params["text"])
    assert "not this week" in note.params["text"]


def test_slack_errors_are_retried_until_the_announcement_is_out(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    bot.slack.fail_next("chat.postMessage", status=503, times=2)
    click(bot, Action.APPROVE_SWITCH, request, LEADS[0])
    wait_until(lambda: counts(bot, request.id) == ONCE_EACH, timeout=15)
    key = f"request:{request.id}:approved:announce"
    wait_until(lambda: bot.rows(OutboxMessage, OutboxMessage.dedupe_key == key)[0].status == "sent")
    (row,) = bot.rows(OutboxMessage, OutboxMessage.dedupe_key == key)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, "http_503")


def test_a_permanent_refusal_is_given_up_with_a_warning(
    bot_factory: Callable[..., Bot], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    bot.slack.fail_next("chat.update", error="message_not_found")
    with caplog.at_level(logging.WARNING):
        click(bot, Action.APPROVE_SWITCH, request, LEADS[0])
        wait_until(lambda: counts(bot, request.id) == {"update": 0, "announce": 1, "requester": 1})
        key = f"request:{request.id}:approved:update"
        wait_until(lambda: bot.rows(OutboxMessage, OutboxMessage.dedupe_key == key)[0].status == "failed")
    (row,) = bot.rows(OutboxMessage, OutboxMessage.dedupe_key == key)
    assert row.last_error == "message_not_found" and row.attempts == 1
    assert any("failed for good: message_not_found" in r.getMessage() for r in caplog.records)


def test_killed_with_the_effects_pending_a_restart_sends_each_exactly_once(
    start_bots: Callable[..., list[Bot]], sqlite_url: str
) -> None:
    (bot,) = start_bots(sqlite_url)
    request = request_switch(bot)
    bot.slack.down = True  # every Slack call fails: the effects stay pending after the commit
    click(bot, Action.APPROVE_SWITCH, request, LEADS[0])
    wait_until(lambda: bool(switches(sqlite_url)))
    wait_until(lambda: len(bot.rows(OutboxMessage)) == 3 and all(r.attempts for r in bot.rows(OutboxMessage)))
    assert process_of(start_bots, bot).stop(signal.SIGKILL) == -signal.SIGKILL
    assert counts(bot, request.id) == {"update": 0, "announce": 0, "requester": 0}
    bot.slack.down = False

    (after,) = start_bots(sqlite_url)
    wait_until(lambda: counts(after, request.id) == ONCE_EACH, timeout=20)
    wait_until(lambda: all(r.status == OutboxStatus.SENT for r in after.rows(OutboxMessage)))
    time.sleep(2.5)  # a poll round later: nothing is sent again
    assert counts(after, request.id) == ONCE_EACH


def test_two_processes_on_postgres_send_each_pending_effect_once(
    start_bots: Callable[..., list[Bot]], postgres_url: str
) -> None:
    a, _b = start_bots(postgres_url, 2)
    request = request_switch(a)
    a.slack.down = True  # the effects pile up as pending, due for both processes' workers at once
    # Through the process that already asked Slack who it is (Bolt does so once, before the first
    # listener); b's worker polls the same rows.
    click(a, Action.APPROVE_SWITCH, request, LEADS[0])
    wait_until(lambda: len(a.rows(OutboxMessage)) == 3 and all(r.attempts for r in a.rows(OutboxMessage)))
    a.slack.down = False
    wait_until(lambda: counts(a, request.id) == ONCE_EACH, timeout=20)
    wait_until(lambda: all(r.status == OutboxStatus.SENT for r in a.rows(OutboxMessage)))
    time.sleep(2.5)  # both workers have polled again since
    assert counts(a, request.id) == ONCE_EACH


def test_concurrent_workers_never_send_one_row_twice(any_db_url: str) -> None:
    """Two workers on their own engines (as two processes would be) race for the same rows."""
    sent: list[str] = []
    rows = 40

    async def send(_method: str, payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.005)  # long enough for the other worker to try the same row
        sent.append(payload["key"])

    async def scenario() -> None:
        first, second = Database(any_db_url), Database(any_db_url)
        try:
            async with first.transaction() as session:
                effects = [SlackEffect(f"n{i}", "chat.postMessage", {"key": f"n{i}"}) for i in range(rows)]
                await enqueue(session, "race", effects, datetime.now(UTC))
                await enqueue(session, "race", effects[:5], datetime.now(UTC))  # already queued: no-op
            workers = [OutboxWorker(db, send, Doorbell()) for db in (first, second) for _ in range(2)]
            await asyncio.gather(*(w.deliver_due() for w in workers), *(w.deliver_due() for w in workers))
            await asyncio.gather(*(w.deliver_due() for w in workers))
        finally:
            await first.dispose()
            await second.dispose()

    asyncio.run(scenario())
    assert sorted(sent) == sorted(f"n{i}" for i in range(rows))


def test_retry_backoff_and_refusal_in_the_worker(sqlite_url: str) -> None:
    answers: list[Exception | None] = [RetryLater("ratelimited", after=0), None]
    calls: list[str] = []

    async def send(method: str, _payload: dict[str, Any]) -> None:
        calls.append(method)
        answer = answers.pop(0) if answers else Refused("channel_not_found")
        if answer is not None:
            raise answer

    async def scenario() -> list[OutboxMessage]:
        db = Database(sqlite_url)
        try:
            async with db.transaction() as session:
                await enqueue(session, "x", [SlackEffect("a", "chat.update", {})], datetime.now(UTC))
            worker = OutboxWorker(db, send, Doorbell())
            assert await worker.deliver_due() == 0  # rate limited: due again in a second
            assert await worker.deliver_due() == 0  # not yet due
            await asyncio.sleep(1.1)
            assert await worker.deliver_due() == 1
            async with db.transaction() as session:
                await enqueue(session, "y", [SlackEffect("b", "chat.postMessage", {})], datetime.now(UTC))
            assert await worker.deliver_due() == 0
            async with db.session() as session:
                from sqlmodel import select

                return list((await session.exec(select(OutboxMessage))).all())
        finally:
            await db.dispose()

    rows = {r.dedupe_key: r for r in asyncio.run(scenario())}
    assert calls == ["chat.update", "chat.update", "chat.postMessage"]
    assert (rows["x:a"].status, rows["x:a"].attempts, rows["x:a"].last_error) == ("sent", 2, "ratelimited")
    assert (rows["y:b"].status, rows["y:b"].last_error) == ("failed", "channel_not_found")


def test_superseded_and_expired_requests_update_their_messages_through_the_outbox(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    first = request_switch(bot)
    second = request_switch(bot, rest="newer reason")
    wait_until(
        lambda: bot.rows(OutboxMessage, OutboxMessage.dedupe_key == f"request:{first.id}:superseded:update")
    )
    bot.slack.wait_for(
        "chat.update", lambda c: c.params["ts"] == first.message_ts and "(superseded)" in c.params["text"]
    )
    set_request(bot, second.id, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    bot.send.command("/model", "status")
    wait_until(
        lambda: bot.rows(OutboxMessage, OutboxMessage.dedupe_key == f"request:{second.id}:expired:update")
    )
    bot.slack.wait_for(
        "chat.update", lambda c: c.params["ts"] == second.message_ts and "(expired)" in c.params["text"]
    )


async def test_a_renderer_failure_undoes_the_decision(registry: Registry) -> None:
    """Decision and effects commit together: no approval without its messages queued."""
    request = await published(registry)

    def broken(_approval: object) -> list[SlackEffect]:
        raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError):
        await registry.approve(request.id or 0, "U0LEAD", now=NOW, effects=broken)
    assert len(await deployments(registry)) == 1
    async with registry.db.session() as session:
        assert (await session.get(SwitchRequest, request.id)).status == "pending"  # type: ignore[union-attr]
    approval = await registry.approve(
        request.id or 0,
        "U0LEAD",
        now=NOW,
        effects=lambda a: [SlackEffect("announce", "chat.postMessage", {})],
    )
    assert approval.deployment.request_id == request.id
    async with registry.db.session() as session:
        from sqlmodel import select

        (row,) = (await session.exec(select(OutboxMessage))).all()
    assert row.dedupe_key == f"request:{request.id}:approved:announce"


def test_a_click_on_an_expired_request_queues_its_message_update(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    set_request(bot, request.id, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    response, _ = click(bot, Action.APPROVE_SWITCH, request, LEADS[0])
    assert response.status_code == 200
    key = f"request:{request.id}:expired:update"
    wait_until(
        lambda: [r.status for r in bot.rows(OutboxMessage, OutboxMessage.dedupe_key == key)] == ["sent"]
    )
    (update,) = bot.slack.wait_for("chat.update", lambda c: c.params["ts"] == request.message_ts)
    assert "(expired)" in update.params["text"]
