"""SIGTERM while the model is slow: the drain covers the model's whole time budget, and whatever must
still be cut short is recorded `interrupted` and the agent told to run it again."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from bot.app import inflight_drain_seconds
from bot.inflight import DRAIN_MARGIN_SECONDS, InflightWork, if_cut_short
from bot.settings import Settings
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from commands.triage.delivery import INTERRUPTED
from storage.models import DeliveryStatus, Triage
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET
from tests.support.serve_process import rows, serve_process, standin_env
from tests.support.slack_requests import SlackSender


def test_drain_covers_every_model_attempt_at_its_timeout() -> None:
    settings = Settings(_env_file=None, triage_model_timeout=40, triage_model_max_retries=2)
    assert inflight_drain_seconds(settings) == 40 * 3 + DRAIN_MARGIN_SECONDS


async def test_unfinished_work_is_cancelled_and_its_cut_short_handler_run() -> None:
    inflight = InflightWork()
    recorded: list[str] = []
    started = asyncio.Event()

    async def listener(name: str, seconds: float) -> None:
        inflight.track_current_task()

        async def cut_short() -> None:
            recorded.append(name)

        if_cut_short(cut_short)
        started.set()
        await asyncio.sleep(seconds)

    quick = asyncio.create_task(listener("quick", 0.01))
    stuck = asyncio.create_task(listener("stuck", 60))
    await started.wait()

    assert await inflight.drain(0.3) == 1
    assert recorded == ["stuck"]
    assert quick.done() and stuck.cancelled()


def _env(sqlite_url: str, slack: SlackStandIn, openai: OpenAIStandIn, **extra: str) -> dict[str, str]:
    assert slack.base_url and openai.base_url
    return standin_env(
        database_url=sqlite_url,
        slack_base_url=slack.base_url,
        openai_base_url=openai.base_url,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        openai_key=OPENAI_KEY,
        model=LIVE_MODEL,
        **extra,
    )


def test_sigterm_waits_for_a_model_slower_than_the_old_25_s_drain(
    tmp_path: Path, sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.latency = 27
    env = _env(
        sqlite_url, slack_standin, openai_standin, TRIAGE_MODEL_TIMEOUT="30", TRIAGE_MODEL_MAX_RETRIES="0"
    )
    with serve_process(env, tmp_path) as served:
        sender = SlackSender(served.url, SIGNING_SECRET, slack_standin.response_url)
        response, response_url = sender.command("/triage", "I was charged twice for my subscription")
        assert response.status_code == 200
        served.process.send_signal(signal.SIGTERM)
        token = response_url.rsplit("/", 1)[1]
        (delivered,) = slack_standin.wait_for(
            "response_url", lambda c: c.params["_token"] == token and "blocks" in c.params, timeout=45
        )
        assert "urgency" in str(delivered.params["blocks"])
        assert served.process.wait(timeout=30) == 0, served.log()
    (row,) = rows(sqlite_url, Triage)
    assert row.status == "ok" and row.delivery_status == DeliveryStatus.DELIVERED


def test_triages_cut_short_by_shutdown_are_recorded_interrupted_and_the_agents_told(
    tmp_path: Path, sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    # The model keeps asking to be retried later, past the whole drain (1 s x 2 attempts + margin).
    openai_standin.fail_next("rate_limit", times=10, retry_after=50)
    env = _env(
        sqlite_url, slack_standin, openai_standin, TRIAGE_MODEL_TIMEOUT="1", TRIAGE_MODEL_MAX_RETRIES="1"
    )
    with serve_process(env, tmp_path) as served:
        sender = SlackSender(served.url, SIGNING_SECRET, slack_standin.response_url)
        _, response_url = sender.command(
            "/triage", "I was charged twice for my subscription", user_id="U0AGENT"
        )
        sender.mention("My account is locked", user_id="U0MENTIONER", channel_id="C0SUPPORT")
        wait_for_model_calls(openai_standin, 2)
        served.process.send_signal(signal.SIGTERM)

        token = response_url.rsplit("/", 1)[1]
        (told,) = slack_standin.wait_for(
            "response_url", lambda c: c.params["_token"] == token and "restarted" in str(c.params), timeout=40
        )
        assert told.params["text"] == INTERRUPTED
        (ephemeral,) = slack_standin.wait_for("chat.postEphemeral", timeout=10)
        assert ephemeral.params["user"] == "U0MENTIONER" and ephemeral.params["text"] == INTERRUPTED
        assert served.process.wait(timeout=30) == 0, served.log()

    interrupted = rows(sqlite_url, Triage)
    assert sorted(row.source for row in interrupted) == ["command", "mention"]
    assert all(row.delivery_status == DeliveryStatus.INTERRUPTED for row in interrupted)
    assert {row.input_text for row in interrupted} == {
        "I was charged twice for my subscription",
        "My account is locked",
    }
    assert "Traceback" not in served.log()


def wait_for_model_calls(openai: OpenAIStandIn, count: int, timeout: float = 10.0) -> None:
    """Until both triages have reached the model (and were told to come back later)."""
    deadline = time.monotonic() + timeout
    while len(openai.chat_requests()) < count:
        assert time.monotonic() < deadline, "the triages never reached the model"
        time.sleep(0.05)


def test_a_result_slack_holds_back_past_the_drain_is_recorded_undelivered_and_the_agent_told(
    tmp_path: Path, sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    # The model answered; Slack asks to come back in 30 s, beyond the drain (1 s x 2 + margin).
    slack_standin.fail_next("response_url", status=429, retry_after=30)
    env = _env(
        sqlite_url, slack_standin, openai_standin, TRIAGE_MODEL_TIMEOUT="1", TRIAGE_MODEL_MAX_RETRIES="1"
    )
    with serve_process(env, tmp_path) as served:
        sender = SlackSender(served.url, SIGNING_SECRET, slack_standin.response_url)
        _, response_url = sender.command("/triage", "I was charged twice for my subscription")
        deadline = time.monotonic() + 10
        while not slack_standin.rejected:
            assert time.monotonic() < deadline, "the result never reached Slack"
            time.sleep(0.05)
        served.process.send_signal(signal.SIGTERM)

        token = response_url.rsplit("/", 1)[1]
        (told,) = slack_standin.wait_for("response_url", lambda c: c.params["_token"] == token, timeout=40)
        assert served.process.wait(timeout=30) == 0, served.log()

    (row,) = rows(sqlite_url, Triage)
    assert row.status == "ok" and row.delivery_status == DeliveryStatus.UNDELIVERED
    assert f"Your triage #{row.id} was produced" in told.params["text"]
