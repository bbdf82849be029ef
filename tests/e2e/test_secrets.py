"""The Slack tokens, the signing secret and the OpenAI key never show up where people can read them:
the process's log through a run full of faults, the messages users get, and /healthz."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET
from tests.support.serve_process import ServeProcess, serve_process, standin_env
from tests.support.slack_requests import SlackSender

APP_TOKEN = "xapp-1-A0TRIAGE-0000-secretapptoken"
SECRETS = {
    "bot token": BOT_TOKEN,
    "signing secret": SIGNING_SECRET,
    "OpenAI key": OPENAI_KEY,
    "app token": APP_TOKEN,
}


@pytest.fixture
def served(
    tmp_path: Path, sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> Iterator[ServeProcess]:
    assert slack_standin.base_url and openai_standin.base_url
    env = standin_env(
        database_url=sqlite_url,
        slack_base_url=slack_standin.base_url,
        openai_base_url=openai_standin.base_url,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        openai_key=OPENAI_KEY,
        model=LIVE_MODEL,
        SLACK_APP_TOKEN=APP_TOKEN,
        TRIAGE_MODEL_TIMEOUT="0.5",
        TRIAGE_MODEL_MAX_RETRIES="1",
    )
    with serve_process(env, tmp_path) as process:
        yield process


def assert_no_secret(where: str, text: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in text, f"the {name} appears in {where}"
        assert secret[6:30] not in text, f"part of the {name} appears in {where}"


def test_no_secret_in_logs_user_messages_or_healthz_through_a_run_of_faults(
    served: ServeProcess, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    send = SlackSender(served.url, SIGNING_SECRET, slack_standin.response_url)

    def triage(text: str) -> None:
        response, url = send.command("/triage", text)
        assert response.status_code == 200
        token = url.rsplit("/", 1)[1]
        slack_standin.wait_for("response_url", lambda c: c.params["_token"] == token, timeout=15)

    triage("A normal message: I was charged twice")
    openai_standin.fail_next("server_error", times=2)
    triage("OpenAI fails with 500")
    openai_standin.hang_seconds = 2
    openai_standin.fail_next("timeout", times=2)
    triage("OpenAI times out")
    openai_standin.api_key = "sk-some-other-key-entirely-000"  # our key is now rejected: HTTP 401
    triage("OpenAI rejects our key")
    openai_standin.api_key = OPENAI_KEY
    slack_standin.fail_next("response_url", status=429, retry_after=1)
    triage("Slack rate-limits the answer")
    slack_standin.fail_next("chat.postMessage", error="invalid_auth")
    assert send.mention("Slack refuses our token").status_code == 200
    forged = SlackSender(served.url, "wrong-secret", slack_standin.response_url)
    assert forged.command("/triage", "forged")[0].status_code == 401
    health = httpx.get(f"{served.url}/healthz", timeout=5)
    assert health.status_code == 200

    served.stop()  # flushes the log; the shutdown lines are part of what we check
    log = served.log()
    user_facing = [json.dumps(c.params) for c in slack_standin.calls + slack_standin.rejected]
    assert "server error (HTTP 500)" in "".join(user_facing)  # the faults really happened
    assert "rejected our API key" in "".join(user_facing)
    assert "did not answer within 0.5 s" in "".join(user_facing)
    assert "invalid_auth" in log

    assert_no_secret("the log", log)
    for message in user_facing:
        assert_no_secret("a message to Slack", message)
    assert_no_secret("/healthz", health.text)
