"""The benchmark's fair peer must really do the same work, or its figures mean nothing: a signed
`/triage` is acked, sent to the model with triagebot's own prompt and schema, and the answer reaches
the response_url as valid Block Kit. Unsigned requests are refused, as Bolt does for us."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.settings import DEFAULT_CATEGORIES
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from bot.triage import system_prompt
from tests.conftest import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET
from tests.support.serve_process import ServeProcess, serve_process, standin_env
from tests.support.slack_requests import SlackSender

ANSWER = {
    "urgency": "high",
    "category": "billing",
    "summary": "Charged twice for one subscription.",
    "next_step": "Refund the duplicate charge.",
}


@pytest.fixture
def peer(
    tmp_path: Path, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> Iterator[ServeProcess]:
    assert slack_standin.base_url and openai_standin.base_url
    env = standin_env(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        slack_base_url=slack_standin.base_url,
        openai_base_url=openai_standin.base_url,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        openai_key=OPENAI_KEY,
        model=LIVE_MODEL,
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    with serve_process(
        env, tmp_path, name="same-work", module="tests.bench.same_work_app", args=()
    ) as served:
        yield served


def test_same_work_app_triages_a_signed_command_like_triagebot(
    peer: ServeProcess, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.script("charged twice", ANSWER)
    sender = SlackSender(peer.url, SIGNING_SECRET, slack_standin.response_url)

    ack, url = sender.command("/triage", "Hi, I was charged twice this month")

    assert ack.status_code == 200
    assert LIVE_MODEL in ack.json()["text"]
    token = url.rsplit("/", 1)[1]
    (delivery,) = slack_standin.wait_for("response_url", lambda c: c.params.get("_token") == token)
    shown = str(delivery.params["blocks"])
    assert ANSWER["summary"] in shown and ANSWER["next_step"] in shown
    (chat,) = [r for r in openai_standin.requests if r.path.endswith("/chat/completions")]
    body = chat.json
    assert body["model"] == LIVE_MODEL
    assert body["messages"][0]["content"] == system_prompt(tuple(DEFAULT_CATEGORIES))
    assert body["messages"][1]["content"] == "Hi, I was charged twice this month"
    assert body["response_format"]["type"] == "json_schema"


def test_same_work_app_refuses_unsigned_requests(peer: ServeProcess) -> None:
    response = httpx.post(
        f"{peer.url}/slack/events",
        content=b"command=%2Ftriage&text=hi",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
