"""Hand-built Slack bodies (forged, malformed, odd shapes) and one bot served for a whole module to receive them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from commands.ids import Action, Block
from storage.migrate import upgrade
from storage.models import Triage
from tests.support.app_under_test import BOT_TOKEN, LIVE_MODEL, OPENAI_KEY, SIGNING_SECRET, Bot, make_settings
from tests.support.server import serve_app
from tests.support.slack_requests import TEAM_ID, SlackSender

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def module_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'triagebot.db'}"
    upgrade(db_url)
    slack = SlackStandIn(bot_token=BOT_TOKEN)
    openai = OpenAIStandIn(models=[LIVE_MODEL], api_key=OPENAI_KEY)
    with slack.serve(), openai.serve():
        settings_ = make_settings(db_url, slack, openai)
        with serve_app(settings_) as (url, _services):
            sender = SlackSender(url, SIGNING_SECRET, slack.response_url)
            yield Bot(url, db_url, slack, openai, sender, settings_)


@pytest.fixture
def app(module_bot: Bot) -> Bot:
    module_bot.slack.reset()
    module_bot.openai.reset()
    return module_bot


def command_body(text: str = "I was charged twice", command: str = "/triage", **extra: str) -> bytes:
    form = {
        "team_id": "T0STANDIN",
        "channel_id": "C0SUPPORT",
        "user_id": "U0AGENT",
        "command": command,
        "text": text,
        "response_url": "http://127.0.0.1:9/response/never",
        "trigger_id": "1.2.3",
        **extra,
    }
    return urlencode(form).encode()


def post_raw(bot: Bot, body: bytes, headers: dict[str, str] | dict[str, bytes]) -> httpx.Response:
    return bot.send.client.post(f"{bot.url}/slack/events", content=body, headers=headers)


def assert_nothing_happened(bot: Bot, triages_before: int) -> None:
    bot.wait_until_idle()  # anything a listener started after the answer has shown up by now
    assert len(bot.rows(Triage)) == triages_before
    assert bot.openai.chat_requests() == []
    assert [c.method for c in bot.slack.calls if c.method != "auth.test"] == []


def view_submission(view: dict[str, Any], *, state: Any = None, user_id: str = "U0LEAD") -> dict[str, Any]:
    full_view = {"id": "V0REVIEW", "type": "modal", **view}
    if state is not None:
        full_view["state"] = state
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0TRIAGEBOT",
        "trigger_id": f"{int(time.time())}.123.xyz",
        "view": full_view,
        "response_urls": [],
    }


def review_values() -> dict[str, Any]:
    def select(value: str) -> dict[str, Any]:
        return {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
        }

    return {
        Block.REVIEW_URGENCY: {Action.REVIEW_URGENCY: select("high")},
        Block.REVIEW_CATEGORY: {Action.REVIEW_CATEGORY: select("outage")},
        Block.REVIEW_NOTE: {Action.REVIEW_NOTE: {"type": "plain_text_input", "value": "note"}},
    }
