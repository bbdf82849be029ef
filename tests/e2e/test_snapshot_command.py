"""/model snapshot over HTTP: approvers only; progress and result through the response URL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from storage.models import Snapshot
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import approvals_bot, ask, responses
from tests.support.quality_services import open_services, script_all, seed_cases


def seeded_bot(bot_factory: Callable[..., Bot], sqlite_url: str) -> Bot:
    bot = approvals_bot(bot_factory, sqlite_url)

    async def seed() -> None:
        async with open_services(sqlite_url, bot.slack, bot.openai) as services:
            await seed_cases(services)

    asyncio.run(seed())
    script_all(bot.openai, LIVE_MODEL, right=True)
    return bot


def test_an_approver_records_a_snapshot_of_the_live_model(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = seeded_bot(bot_factory, sqlite_url)
    response, url = bot.send.command("/model", "snapshot", user_id="U0LEAD")
    assert response.status_code == 200 and "Recording a snapshot of" in response.text
    said = responses(bot, url, count=2)
    assert "inputs answered…" in said[0]["text"]
    assert said[-1]["text"].startswith(":white_check_mark: Recorded #1") and "4/4 inputs" in said[-1]["text"]
    (snap,) = bot.rows(Snapshot)
    assert (snap.model_id, snap.requested_by, snap.finished_at is not None) == (LIVE_MODEL, "U0LEAD", True)


def test_snapshots_are_for_approvers(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = seeded_bot(bot_factory, sqlite_url)
    assert "for approvers" in ask(bot, "snapshot", user="U0AGENT")
    assert not bot.rows(Snapshot) and not bot.openai.chat_requests()


def test_nothing_to_record_is_said_plainly(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)  # no eval set, nothing triaged yet
    response, url = bot.send.command("/model", "snapshot", user_id="U0LEAD")
    assert response.status_code == 200
    said = responses(bot, url)[-1]["text"]
    assert "Nothing to record" in said and "Traceback" not in said
    assert not bot.rows(Snapshot)
