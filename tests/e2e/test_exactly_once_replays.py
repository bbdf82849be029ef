"""A signed request sent again byte for byte (an attacker's or a proxy's replay) is refused: 401,
nothing runs, one warning without the signature. Across processes too, since the memory is the database."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.outbox.seen import KEEP_FOR, SeenDeliveries
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Deployment, SeenRequest, SwitchRequest, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import CANDIDATE, approvals_bot, ask, switched
from tests.support.waiting import wait_until


def test_a_replayed_lead_rollback_does_not_flip_the_model_back(
    bot_factory: Callable[..., Bot], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    switched(bot)
    assert "is live again" in ask(bot, "rollback labels went wrong", user="U0LEAD2")
    assert len(bot.rows(Deployment)) == 3
    signature = bot.send.last_sent[1]["X-Slack-Signature"] if bot.send.last_sent else ""
    with caplog.at_level(logging.WARNING):
        replayed = bot.send.replay()
    assert replayed.status_code == 401
    deployments = sorted(bot.rows(Deployment), key=lambda d: d.id)
    assert len(deployments) == 3 and deployments[-1].model_id == LIVE_MODEL
    warnings = [r for r in caplog.records if "replayed" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert signature and signature not in caplog.text
    assert bot.rows(SeenRequest, SeenRequest.key == f"sig:{signature}")


def test_a_replayed_switch_does_not_open_a_second_request(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    assert "waiting for a lead" in ask(bot, f"switch {CANDIDATE}")
    assert bot.send.replay().status_code == 401
    (request,) = bot.rows(SwitchRequest)
    assert request.status == "pending"


def test_a_replayed_triage_is_not_triaged_twice(bot: Bot) -> None:
    response, url = bot.send.command("/triage", "Invoice #42 was charged twice")
    assert response.status_code == 200
    bot.slack.wait_for("response_url", lambda c: url.endswith(c.params["_token"]))
    assert bot.send.replay().status_code == 401
    assert bot.send.replay().status_code == 401
    assert len(bot.rows(Triage)) == 1


def test_a_replayed_share_is_not_posted_twice(bot: Bot) -> None:
    bot.send.command("/triage", "Site down for all customers")
    bot.slack.wait_for("response_url")
    (row,) = bot.rows(Triage)
    response, url = bot.send.block_action("share_triage", str(row.id))
    assert response.status_code == 200
    bot.slack.wait_for("response_url", lambda c: url.endswith(c.params["_token"]))
    assert bot.send.replay().status_code == 401
    bot.wait_until_idle()  # a wrongly accepted replay would have posted by now
    shared = [c for c in bot.slack.calls_to("response_url") if c.params.get("response_type") == "in_channel"]
    assert len(shared) == 1


def test_a_replay_to_another_process_is_refused_too(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    first, second = bot_factory(sqlite_url), bot_factory(sqlite_url)
    response, _ = first.send.command("/triage", "Password reset mail never arrives")
    assert response.status_code == 200
    wait_until(lambda: first.rows(Triage))
    second.send.last_sent = first.send.last_sent
    assert second.send.replay().status_code == 401
    assert len(first.rows(Triage)) == 1


def test_fresh_signatures_are_accepted_and_old_keys_expire(any_db_url: str) -> None:
    import asyncio
    from datetime import UTC, datetime

    upgrade(any_db_url)

    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            seen = SeenDeliveries(db)
            long_ago = datetime.now(UTC) - KEEP_FOR * 2
            assert await seen.first_time(["sig:old"], now=long_ago)
            assert not await seen.first_time(["sig:old"], now=long_ago)
            # Both keys of one delivery are recorded, so either alone is later seen as a repeat.
            assert not await seen.first_time(["sig:new", "sig:old"])
            assert not await seen.first_time(["sig:new"])
            seen._next_prune = 0.0
            assert await seen.first_time(["sig:other"])  # prunes rows older than the window
            assert await seen.first_time(["sig:old"])
        finally:
            await db.dispose()

    asyncio.run(scenario())
