"""Two `triagebot serve` processes on one PostgreSQL database: a missed digest is made up by exactly
one of them; a switch requested through one and approved through the other is what both serve; two
leads approving at once through different processes make exactly one switch."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.schedule.jobs import DIGEST_JOB
from commands.ids import Action
from storage.models import Deployment, JobRun, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.bot_processes import assert_no_half_switch, start_bots, switches, wait_until
from tests.support.job_runs import seed_digest_run
from tests.support.model_requests import CANDIDATE, LEADS, click, request_switch
from tests.support.serve_process import rows

__all__ = ["start_bots"]  # the fixture, used by name

DIGEST_CHANNEL = "C0DIGEST"


def concurrently(*calls: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(n: int) -> None:
        barrier.wait()
        results[n] = calls[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
def test_two_processes_on_postgres_one_digest_one_switch_consistent_history(
    start_bots: Callable[..., list[Bot]], postgres_url: str
) -> None:
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    seed_digest_run(postgres_url, midnight - timedelta(days=1))

    # Both start at once and both find today's midnight digest missed: one of them makes it up.
    a, b = start_bots(postgres_url, 2, TRIAGE_DIGEST_CHANNEL=DIGEST_CHANNEL, TRIAGE_DIGEST_CRON="0 0 * * *")
    a.slack.wait_for("chat.postMessage", lambda c: c.params.get("channel") == DIGEST_CHANNEL, timeout=20)
    time.sleep(1.0)  # a second digest would be right behind the first
    digests = [c for c in a.slack.calls_to("chat.postMessage") if c.params.get("channel") == DIGEST_CHANNEL]
    assert len(digests) == 1
    today = [
        r for r in rows(postgres_url, JobRun, JobRun.job_name == DIGEST_JOB) if r.scheduled_for == midnight
    ]
    assert [r.status for r in today] == ["done"]

    # Requested through one process, approved through the other: both now serve the new model.
    request = request_switch(a)
    response, _ = click(b, Action.APPROVE_SWITCH, request, LEADS[0])
    assert response.status_code == 200
    wait_until(lambda: bool(switches(postgres_url)))
    for bot in (a, b):
        ack, _ = bot.send.command("/triage", "Which model answers me?")
        assert CANDIDATE in ack.json()["text"]
    wait_until(lambda: len([t for t in rows(postgres_url, Triage) if t.status == "ok"]) == 2)
    assert {t.model_id for t in rows(postgres_url, Triage)} == {CANDIDATE}

    # Two leads approve one request at the same moment, each through a different process.
    back = request_switch(a, LIVE_MODEL, user="U0AGENT2")
    concurrently(
        lambda: click(a, Action.APPROVE_SWITCH, back, LEADS[0]),
        lambda: click(b, Action.APPROVE_SWITCH, back, LEADS[1]),
    )
    wait_until(lambda: len(switches(postgres_url)) == 2)
    time.sleep(1.0)
    history = sorted(rows(postgres_url, Deployment), key=lambda d: d.id)
    assert [(d.kind, d.model_id) for d in history] == [
        ("initial", LIVE_MODEL),
        ("switch", CANDIDATE),
        ("switch", LIVE_MODEL),
    ]
    # Each deployment continues from the one before it: no lost or forked history.
    for before, after in itertools.pairwise(history):
        assert after.previous_model_id == before.model_id
    assert_no_half_switch(postgres_url, back.id or 0)
