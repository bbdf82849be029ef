"""A `triagebot serve` killed (SIGKILL) in the middle of an approval leaves no half-switch: either the
request is still pending and no deployment was added, or it is approved and its deployment exists."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
import time
from collections.abc import Callable

import httpx
from sqlalchemy.engine import make_url

from commands.ids import Action
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.bot_processes import (
    assert_no_half_switch,
    process_of,
    start_bots,
    switches,
    wait_until,
)
from tests.support.model_requests import CANDIDATE, LEADS, click, request_switch

__all__ = ["start_bots"]  # the fixture, used by name


def test_killed_before_the_approval_commits_leaves_the_request_pending(
    start_bots: Callable[..., list[Bot]], sqlite_url: str
) -> None:
    (bot,) = start_bots(sqlite_url)
    request = request_switch(bot)
    assert request.id is not None
    # Another writer holds SQLite's write lock, so the approval waits before anything is written:
    # at the record of the request itself, which every request commits before it runs (replay
    # protection), so the click is not even acknowledged before the kill.
    blocker = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")

    def click_unanswered() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the process dies with the request open
            click(bot, Action.APPROVE_SWITCH, request, LEADS[0])

    clicking = threading.Thread(target=click_unanswered, daemon=True)
    try:
        clicking.start()
        time.sleep(1.0)
        assert process_of(start_bots, bot).stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    clicking.join(timeout=15)

    assert assert_no_half_switch(sqlite_url, request.id) == "pending"
    assert switches(sqlite_url) == []
    # The request survives the crash and can still be approved by a fresh process.
    (again,) = start_bots(sqlite_url)
    click(again, Action.APPROVE_SWITCH, request, LEADS[0])
    wait_until(lambda: any(d.request_id == request.id for d in switches(sqlite_url)))
    assert assert_no_half_switch(sqlite_url, request.id) == "approved"
    (switch,) = switches(sqlite_url)
    assert (switch.model_id, switch.approved_by) == (CANDIDATE, LEADS[0])


def test_killed_after_the_approval_commits_leaves_a_complete_switch(
    start_bots: Callable[..., list[Bot]], sqlite_url: str
) -> None:
    (bot,) = start_bots(sqlite_url)
    request = request_switch(bot)
    assert request.id is not None
    # Slack makes the bot wait 30 s before it may update the approval message: kill it then.
    bot.slack.fail_next("chat.update", status=429, retry_after=30)
    click(bot, Action.APPROVE_SWITCH, request, LEADS[0])
    wait_until(lambda: bool(switches(sqlite_url)))
    assert process_of(start_bots, bot).stop(signal.SIGKILL) == -signal.SIGKILL

    assert assert_no_half_switch(sqlite_url, request.id) == "approved"
    (switch,) = switches(sqlite_url)
    assert (switch.previous_model_id, switch.model_id) == (LIVE_MODEL, CANDIDATE)
    (after,) = start_bots(sqlite_url)
    response, _ = after.send.command("/triage", "Is the new model live?")
    assert CANDIDATE in response.json()["text"]
