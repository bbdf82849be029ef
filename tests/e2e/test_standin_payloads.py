"""SlackSender sends what Slack sends: Enterprise Grid fields, other workspaces, real message shapes."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest

from bot.standins import slack_messages
from bot.standins.slack_api import SlackCall
from tests.support.app_under_test import Bot


def sent_body(bot: Bot) -> dict[str, Any]:
    assert bot.send.last_sent is not None
    body, headers = bot.send.last_sent
    if headers["Content-Type"] == "application/json":
        return dict(json.loads(body))
    form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
    return dict(json.loads(form["payload"])) if "payload" in form else form


def first_answer(bot: Bot, timeout: float = 5.0) -> SlackCall:
    """Whatever the app said first (a post, an ephemeral or a response URL)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.slack.calls:
            return bot.slack.calls[0]
        time.sleep(0.02)
    raise AssertionError(
        f"the app said nothing; refused: {[(c.method, c.error) for c in bot.slack.rejected]}"
    )


def test_enterprise_grid_requests_carry_its_fields_and_are_served(bot: Bot) -> None:
    # The app is installed in a workspace of the Grid org: auth.test says so, and its requests are served.
    bot.slack.identity = dataclasses.replace(bot.slack.identity, enterprise_id="E0GRID")
    bot.send.enterprise_id = "E0GRID"
    response, _ = bot.send.command("/model", "help")
    assert response.status_code == 200
    form = sent_body(bot)
    assert (form["enterprise_id"], form["is_enterprise_install"]) == ("E0GRID", "false")

    response, _ = bot.send.message_shortcut("triage_message", "I was charged twice")
    assert response.status_code == 200
    payload = sent_body(bot)
    assert payload["enterprise"] == {"id": "E0GRID", "name": "Acme Grid"}
    assert payload["is_enterprise_install"] is False and payload["team"]["id"] == "T0STANDIN"
    bot.slack.wait_for("chat.postMessage")

    assert bot.send.mention("My account is locked", ts="1700000000.000301").status_code == 200
    envelope = sent_body(bot)
    assert envelope["enterprise_id"] == "E0GRID"
    assert envelope["authorizations"][0]["enterprise_id"] == "E0GRID"
    bot.slack.wait_for("chat.postMessage", count=2)


def test_another_workspace_and_an_org_wide_install(bot: Bot) -> None:
    bot.send.team_id = "T0OTHER"
    bot.send.command("/model", "help")
    assert sent_body(bot)["team_id"] == "T0OTHER"
    bot.send.enterprise_id, bot.send.enterprise_install = "E0GRID", True
    bot.send.block_action("no_such_action", "x")
    payload = sent_body(bot)
    assert payload["team"] is None and payload["is_enterprise_install"] is True
    assert payload["user"]["team_id"] == "T0OTHER"


@pytest.mark.parametrize(
    "message",
    [
        slack_messages.blocks_only("Checkout is down for every customer"),
        slack_messages.attachments_only("Ticket #42: refund missing"),
        slack_messages.file_snippet("Traceback: payment gateway timeout"),
        slack_messages.bot_message("ALERT: error rate 40% on api"),
        slack_messages.thread_reply("still broken", thread_ts="1700000000.000100"),
    ],
    ids=["blocks-only", "attachments-only", "file-snippet", "bot-message", "thread-reply"],
)
def test_every_message_shape_gets_an_answer_without_a_traceback(bot: Bot, message: dict[str, Any]) -> None:
    response, _ = bot.send.message_shortcut("triage_message", "", message=message)
    assert response.status_code == 200
    answer = first_answer(bot)
    assert "Traceback" not in json.dumps(answer.params)
    assert sent_body(bot)["message"] == message


def test_message_shapes_look_like_slack_s() -> None:
    snippet = slack_messages.file_snippet("line 1\nline 2")
    assert (snippet["text"], snippet["files"][0]["preview"], snippet["files"][0]["lines"]) == (
        "",
        "line 1\nline 2",
        2,
    )
    bot_post = slack_messages.bot_message("hi")
    assert bot_post["subtype"] == "bot_message" and "user" not in bot_post and bot_post["username"]
    reply = slack_messages.thread_reply("r", thread_ts="1.0", parent_user_id="U0P")
    assert (reply["thread_ts"], reply["parent_user_id"]) == ("1.0", "U0P")
    assert slack_messages.blocks_only("x")["blocks"][0]["type"] == "rich_text"
