"""TRIAGE_RATE_LIMIT_PER_USER: one member's triages per minute, shared by every process through the
database; over it, a clear word with the wait and no model call, whichever way the triage came in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.limits import RateLimited, TriageLimits
from storage.db import Database
from storage.models import Triage, UsageCounter
from tests.support.app_under_test import Bot

T0 = datetime(2026, 11, 25, 12, 0, 15, tzinfo=UTC)


async def _checks(db_url: str, limits: int, attempts: int, processes: int) -> list[bool]:
    dbs = [Database(db_url) for _ in range(processes)]
    try:
        gates = [TriageLimits(db, per_minute=limits) for db in dbs]

        async def one(index: int) -> bool:
            try:
                await gates[index % processes].check_triage_allowed("U0BUSY", now=T0)
            except RateLimited:
                return False
            return True

        return list(await asyncio.gather(*(one(i) for i in range(attempts))))
    finally:
        for db in dbs:
            await db.dispose()


def test_concurrent_triages_across_processes_share_one_budget(any_db_url: str) -> None:
    allowed = asyncio.run(_checks(any_db_url, limits=10, attempts=25, processes=3))
    assert allowed.count(True) == 10


def test_the_wait_is_until_the_next_minute_and_windows_reset(any_db_url: str) -> None:
    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            limits = TriageLimits(db, per_minute=1)
            await limits.check_triage_allowed("U0A", now=T0)
            with pytest.raises(RateLimited) as refused:
                await limits.check_triage_allowed("U0A", now=T0 + timedelta(seconds=5))
            assert refused.value.wait_seconds == 40
            assert "Try again in 40 seconds" in refused.value.user_message
            await limits.check_triage_allowed("U0B", now=T0)  # per user
            await limits.check_triage_allowed("U0A", now=T0 + timedelta(minutes=1))  # a new window
            await TriageLimits(db, per_minute=0).check_triage_allowed("U0A", now=T0)  # 0: off
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_a_new_window_drops_the_users_older_ones(any_db_url: str) -> None:
    async def scenario() -> list[tuple[str, datetime]]:
        db = Database(any_db_url)
        try:
            limits = TriageLimits(db, per_minute=5)
            for offset in (0, 10, 20):  # three uses in one minute, then one in each of two more
                await limits.check_triage_allowed("U0A", now=T0 + timedelta(seconds=offset))
            await limits.check_triage_allowed("U0B", now=T0)
            await limits.check_triage_allowed("U0A", now=T0 + timedelta(minutes=1))
            await limits.check_triage_allowed("U0A", now=T0 + timedelta(minutes=2, seconds=1))
            async with db.session() as session:
                rows = (await session.exec(select(UsageCounter))).all()
            return sorted((row.key, row.window_start) for row in rows)
        finally:
            await db.dispose()

    minute = T0.replace(second=0)
    assert asyncio.run(scenario()) == [
        ("triage:U0A", minute + timedelta(minutes=2)),  # only the current window is kept
        ("triage:U0B", minute),  # another user's window is theirs
    ]


@pytest.fixture
def limited_bot(bot_factory: Callable[..., Bot], sqlite_url: str) -> Bot:
    return bot_factory(sqlite_url, triage_rate_limit_per_user=2)


def test_over_the_limit_no_model_call_and_no_triage_row(limited_bot: Bot) -> None:
    bot = limited_bot
    for _ in range(2):
        _, url = bot.send.command("/triage", "I was charged twice")
        token = url.rsplit("/", 1)[1]
        bot.slack.wait_for("response_url", lambda c, t=token: c.params["_token"] == t)
    assert len(bot.openai.chat_requests()) == 2

    response, url = bot.send.command("/triage", "I was charged twice")
    assert response.status_code == 200
    token = url.rsplit("/", 1)[1]
    (answer,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "Try again in" in answer.params["text"] and "second" in answer.params["text"]

    # The shortcut and mentions count against the same budget.
    _, url = bot.send.message_shortcut("triage_message", "Site is down")
    token = url.rsplit("/", 1)[1]
    (answer,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "Try again in" in answer.params["text"]
    bot.send.mention("Site is down", ts="1700000000.000900")
    (reply,) = bot.slack.wait_for("chat.postMessage", lambda c: "Try again in" in str(c.params.get("text")))
    assert reply.params["thread_ts"] == "1700000000.000900"

    assert len(bot.openai.chat_requests()) == 2
    assert len(bot.rows(Triage)) == 2
    assert len(bot.rows(UsageCounter)) == 1

    # Someone else is not held back by it.
    _, url = bot.send.command("/triage", "I was charged twice", user_id="U0OTHER")
    token = url.rsplit("/", 1)[1]
    (other,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "Try again in" not in str(other.params)
    assert len(bot.openai.chat_requests()) == 3
