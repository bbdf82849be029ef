"""SIGTERM during a deploy: triages already acknowledged still reach the agent before the process exits."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.inflight import InflightWork
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import Triage
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET
from tests.support.serve_process import rows, serve_process, standin_env
from tests.support.slack_requests import SlackSender


def test_sigterm_lets_an_acknowledged_triage_finish_then_exits_zero(
    tmp_path: Path, sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.latency = 1.5
    assert slack_standin.base_url and openai_standin.base_url
    env = standin_env(
        database_url=sqlite_url,
        slack_base_url=slack_standin.base_url,
        openai_base_url=openai_standin.base_url,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        openai_key=OPENAI_KEY,
        model=LIVE_MODEL,
    )
    with serve_process(env, tmp_path) as served:
        sender = SlackSender(served.url, SIGNING_SECRET, slack_standin.response_url)
        response, response_url = sender.command("/triage", "I was charged twice for my subscription")
        assert response.status_code == 200
        assert "Triaging with" in response.json()["text"]
        served.process.send_signal(signal.SIGTERM)

        token = response_url.rsplit("/", 1)[1]
        (delivered,) = slack_standin.wait_for(
            "response_url", lambda c: c.params["_token"] == token and "blocks" in c.params, timeout=15
        )
        assert "urgency" in str(delivered.params["blocks"])
        assert served.process.wait(timeout=30) == 0, served.log()

    (row,) = rows(sqlite_url, Triage)
    assert row.status == "ok"
    assert "waiting for 1 in-flight task" in served.log()


async def test_drain_gives_up_after_its_deadline_and_reports_what_is_left() -> None:
    inflight = InflightWork()
    quick = asyncio.create_task(asyncio.sleep(0.01))
    stuck = asyncio.create_task(asyncio.sleep(60))
    inflight.track(quick)  # type: ignore[arg-type]
    inflight.track(stuck)  # type: ignore[arg-type]

    assert await inflight.drain(0.2) == 1
    assert quick.done() and not stuck.done()
    stuck.cancel()
