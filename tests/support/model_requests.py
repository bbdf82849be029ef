"""Helpers shared by the /model end-to-end tests (this module holds no tests itself)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, update

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackCall
from commands.ids import Action, Block, View
from storage.db import sync_url
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import Bot
from tests.support.waiting import wait_until

CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"
APPROVALS = "C0APPROVALS"
LEADS = ["U0LEAD", "U0LEAD2"]
VLLM_KEY = "vllm-key-0123456789"


def approvals_bot(bot_factory: Callable[..., Bot], db_url: str, **overrides: Any) -> Bot:
    settings: dict[str, Any] = {"triage_approvers": LEADS, "triage_approval_channel": APPROVALS}
    settings.update(overrides)
    bot = bot_factory(db_url, **settings)
    bot.openai.add_model(CANDIDATE)
    return bot


def token_of(response_url: str) -> str:
    return response_url.rsplit("/", 1)[1]


def responses(bot: Bot, response_url: str, count: int = 1) -> list[dict[str, Any]]:
    """What the app said through one response URL, after waiting for `count` posts."""
    token = token_of(response_url)
    calls = bot.slack.wait_for("response_url", lambda c: c.params.get("_token") == token, count=count)
    return [c.params for c in calls]


def approval_posts(bot: Bot) -> list[SlackCall]:
    return [
        c for c in bot.slack.calls_to("chat.postMessage") if Action.APPROVE_SWITCH in json.dumps(c.params)
    ]


def request_switch(
    bot: Bot, model_id: str = CANDIDATE, *, user: str = "U0AGENT", rest: str = ""
) -> SwitchRequest:
    """/model switch as `user`; returns the pending request once its approval message is out."""
    before = len(approval_posts(bot))
    response, url = bot.send.command("/model", f"switch {model_id} {rest}".strip(), user_id=user)
    assert response.status_code == 200
    (done,) = responses(bot, url)
    assert "waiting for a lead" in done["text"], done
    wait_until(lambda: len(approval_posts(bot)) > before)
    return newest_request(bot)


def newest_request(bot: Bot) -> SwitchRequest:
    return max(bot.rows(SwitchRequest), key=lambda r: r.id)


def click(bot: Bot, action: Action, request: SwitchRequest, user: str) -> tuple[httpx.Response, str]:
    return bot.send.block_action(
        action,
        str(request.id),
        user_id=user,
        channel_id=request.channel_id or APPROVALS,
        message_ts=request.message_ts or "1700000000.000100",
        block_id=Block.SWITCH_ACTIONS,
    )


def submit_reject(bot: Bot, request: SwitchRequest, user: str, reason: str | None) -> httpx.Response:
    """The view_submission Slack sends when the reject modal is submitted."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T0STANDIN", "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0STANDIN"},
        "api_app_id": "A0TRIAGEBOT",
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.123.jkl",
        "view": {
            "id": "V0000000001",
            "team_id": "T0STANDIN",
            "type": "modal",
            "callback_id": View.REJECT_SWITCH,
            "private_metadata": json.dumps({"request_id": request.id}),
            "blocks": [],
            "state": {
                "values": {
                    Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "plain_text_input", "value": reason}}
                }
            },
            "hash": "1.standin",
        },
        "response_urls": [],
    }
    return bot.send.interaction(payload)


def ephemeral_texts(bot: Bot, response_url: str) -> str:
    return "\n".join(json.dumps(p) for p in responses(bot, response_url))


@pytest.fixture
def second_endpoint() -> Iterator[tuple[OpenAIStandIn, dict[str, Any]]]:
    """A second OpenAI-compatible server without GET /models/{id}, as vLLM setups often are."""
    stand_in = OpenAIStandIn(api_key=VLLM_KEY)
    with stand_in.serve():
        config = {
            "vllm": {"base_url": f"{stand_in.base_url}/v1", "api_key": VLLM_KEY, "supports_retrieve": False}
        }
        yield stand_in, config


def ask(bot: Bot, command_text: str, user: str = "U0AGENT") -> str:
    """Everything the user was shown: the ack, plus the follow-up when the ack says it is working."""
    response, url = bot.send.command("/model", command_text, user_id=user)
    assert response.status_code == 200
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response.text  # Bolt sends an ack of text alone as text/plain
    ack = json.dumps(response.json())
    if "…" in response.json().get("text", ""):
        return ack + ephemeral_texts(bot, url)
    return ack


def switched(bot: Bot) -> SwitchRequest:
    request = request_switch(bot, rest="better billing labels")
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    return request


def set_request(bot: Bot, request_id: int | None, **values: object) -> None:
    engine = create_engine(sync_url(bot.db_url))
    with engine.begin() as conn:
        conn.execute(update(SwitchRequest).where(SwitchRequest.id == request_id).values(**values))
    engine.dispose()
