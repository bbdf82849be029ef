"""Signed bodies in shapes Bolt or the listeners choke on, stale or forged IDs and metadata, other
workspaces, and response URLs that are not Slack's: each gets a 4xx or a clear word, never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from commands.ids import Action, Block, View
from commands.quality.blocks import review_modal
from commands.respond import is_slack_url
from commands.workspace import FOREIGN_WORKSPACE
from storage.models import QualityCheck, Triage
from tests.support.app_under_test import Bot
from tests.support.raw_requests import FORM, assert_nothing_happened, review_values, view_submission
from tests.support.slack_requests import TEAM_ID

DEEP = 10_000


def form_payload(payload: str) -> bytes:
    return urlencode({"payload": payload}).encode()


# ---- shapes that gave 500 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, form_payload("[" * DEEP + "]" * DEEP)),
        (
            FORM,
            form_payload('{"type": "block_actions", "actions": [' + "{" * 0 + "[" * DEEP + "]" * DEEP + "]}"),
        ),
        (
            "application/json",
            b'{"type": "event_callback", "team_id": "T0STANDIN", "event": {"type": "app_mention", "x": '
            + b"[" * DEEP
            + b"]" * DEEP
            + b"}}",
        ),
    ],
    ids=["payload", "actions", "event"],
)
def test_deeply_nested_json_is_400(app: Bot, content_type: str, body: bytes) -> None:
    before = len(app.rows(Triage))
    response = app.send.post(body, content_type)
    assert response.status_code == 400, response.text
    assert "nested too deeply" in response.text
    assert_nothing_happened(app, before)


def test_block_actions_without_actions_is_400(app: Bot) -> None:
    before = len(app.rows(Triage))
    payload = {"type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": "U0AGENT"}, "actions": []}
    response = app.send.interaction(payload)
    assert response.status_code == 400, response.text
    assert_nothing_happened(app, before)


def test_global_shortcut_with_the_message_shortcut_id_is_4xx(app: Bot) -> None:
    before = len(app.rows(Triage))
    payload = {
        "type": "shortcut",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U0AGENT"},
        "callback_id": "triage_message",
        "trigger_id": "1.2.3",
        "action_ts": "1.2",
    }
    response = app.send.interaction(payload)
    assert 400 <= response.status_code < 500, response.text
    assert_nothing_happened(app, before)


def test_message_shortcut_without_channel_is_400(app: Bot) -> None:
    before = len(app.rows(Triage))
    payload = {
        "type": "message_action",
        "team": {"id": TEAM_ID},
        "user": {"id": "U0AGENT"},
        "callback_id": "triage_message",
        "message": {"type": "message", "text": "hello", "ts": "1.2"},
        "response_url": "https://hooks.slack.com/x",
    }
    response = app.send.interaction(payload)
    assert response.status_code == 400, response.text
    assert_nothing_happened(app, before)


@pytest.mark.parametrize("state", [{}, {"values": None}, "nope"], ids=["no-values", "null", "string"])
def test_view_submission_without_state_values_is_400(app: Bot, state: Any) -> None:
    view = review_modal(1, "low", "bug", ["bug"], None).to_dict()
    response = app.send.interaction(view_submission(view, state=state))
    assert response.status_code == 400, response.text
    view.pop("state", None)
    response = app.send.interaction(view_submission(view))
    assert response.status_code == 400, response.text


# ---- IDs and private_metadata --------------------------------------------------------------------

HUGE_IDS = [str(2**63), str(2**31), "9" * 5000, "-1", "0", "1e3", "١٢"]


@pytest.mark.parametrize(
    "action",
    [
        Action.REVIEW_CORRECT,
        Action.REVIEW_WRONG,
        Action.ADD_TO_EVAL_SET,
        Action.SHARE_TRIAGE,
        Action.APPROVE_SWITCH,
        Action.REJECT_SWITCH,
    ],
)
@pytest.mark.parametrize("value", HUGE_IDS)
def test_out_of_range_button_ids_say_out_of_date(app: Bot, action: str, value: str) -> None:
    response, response_url = app.send.block_action(action, value, user_id="U0LEAD")
    assert response.status_code == 200
    token = response_url.rsplit("/", 1)[1]
    (answer,) = app.slack.wait_for("response_url", lambda c: c.params["_token"] == token)
    assert "That button is out of date" in answer.params["text"]
    assert app.rows(QualityCheck) == []


@pytest.mark.parametrize(
    "metadata",
    [
        "not json",
        "[1, 2]",
        '"text"',
        "{}",
        '{"triage_id": "abc"}',
        json.dumps({"triage_id": 2**63}),
        json.dumps({"triage_id": [1]}),
        "[" * 3000 + "]" * 3000,
    ],
    ids=["not-json", "list", "string", "empty", "word", "huge", "list-id", "deep"],
)
def test_malformed_private_metadata_answers_in_the_modal(app: Bot, metadata: str) -> None:
    view = review_modal(1, "low", "bug", ["bug", "outage"], None).to_dict()
    view["private_metadata"] = metadata
    response = app.send.interaction(view_submission(view, state={"values": review_values()}))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["response_action"] == "errors"
    (message,) = answer["errors"].values()
    assert "out of date" in message
    assert app.rows(QualityCheck) == []


def test_modal_failures_answer_as_a_modal_not_as_a_command(app: Bot) -> None:
    """The reject modal's handler raises a typed error for a forged request ID: the generic error
    handler must answer with response_action, which is all Slack reads from a view submission."""
    view = {
        "callback_id": View.REJECT_SWITCH,
        "private_metadata": json.dumps({"request_id": 999_999}),
        "blocks": [
            {"type": "input", "block_id": Block.REJECT_REASON, "element": {"type": "plain_text_input"}}
        ],
    }
    values = {Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "plain_text_input", "value": "no"}}}
    response = app.send.interaction(view_submission(view, state={"values": values}))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "response_type" not in answer
    assert answer["response_action"] in ("errors", "clear")
    if answer["response_action"] == "errors":
        assert list(answer["errors"]) == [Block.REJECT_REASON]


# ---- another workspace ---------------------------------------------------------------------------


def test_commands_from_another_workspace_are_refused(app: Bot) -> None:
    before = len(app.rows(Triage))
    body = urlencode(
        {
            "team_id": "T0OTHERTEAM",
            "channel_id": "C0SUPPORT",
            "user_id": "U0AGENT",
            "command": "/triage",
            "text": "I was charged twice",
            "response_url": app.slack.response_url(),
            "trigger_id": "1.2.3",
        }
    ).encode()
    response = app.send.post(body, FORM)
    assert response.status_code == 200
    assert response.json()["text"] == FOREIGN_WORKSPACE
    assert_nothing_happened(app, before)


def test_enterprise_mismatch_is_refused(app: Bot) -> None:
    before = len(app.rows(Triage))
    body = urlencode(
        {
            "team_id": TEAM_ID,
            "enterprise_id": "E0SOMEONEELSE",
            "channel_id": "C0SUPPORT",
            "user_id": "U0AGENT",
            "command": "/triage",
            "text": "I was charged twice",
            "response_url": app.slack.response_url(),
            "trigger_id": "1.2.3",
        }
    ).encode()
    response = app.send.post(body, FORM)
    assert response.status_code == 200 and response.json()["text"] == FOREIGN_WORKSPACE
    assert_nothing_happened(app, before)


def test_mentions_and_buttons_from_another_workspace_run_nothing(app: Bot) -> None:
    before = len(app.rows(Triage))
    event = {
        "type": "app_mention",
        "user": "U0AGENT",
        "text": "<@U0STANDINBOT> help",
        "ts": "1.1",
        "channel": "C1",
    }
    envelope = {"type": "event_callback", "team_id": "T0OTHERTEAM", "event": event, "event_id": "Ev0FOREIGN"}
    assert app.send.post(json.dumps(envelope).encode(), "application/json").status_code == 200
    payload = {
        "type": "block_actions",
        "team": {"id": "T0OTHERTEAM"},
        "user": {"id": "U0LEAD", "team_id": "T0OTHERTEAM"},
        "actions": [{"type": "button", "action_id": Action.REVIEW_CORRECT, "block_id": "b", "value": "1"}],
        "response_url": app.slack.response_url(),
        "trigger_id": "1.2.3",
    }
    assert app.send.interaction(payload).status_code == 200
    assert_nothing_happened(app, before)
    assert app.rows(QualityCheck) == []


# ---- response URLs ---------------------------------------------------------------------------------


def test_only_slack_response_urls_are_trusted(app: Bot) -> None:
    assert is_slack_url("https://hooks.slack.com/commands/T0/1/abc")
    assert is_slack_url(app.slack.response_url())
    for url in [
        "https://attacker.example/collect",
        "http://hooks.slack.com/commands/x",
        "https://hooks.slack.com.attacker.example/x",
        "https://user@hooks.slack.com:8443/x",
        "https://hooks.slack.com:8443/x",
        "not a url",
        "",
    ]:
        assert not is_slack_url(url), url


def test_review_modal_never_posts_to_a_url_in_its_metadata(app: Bot) -> None:
    from tests.support.review_requests import triage_and_get_buttons

    triage_id = triage_and_get_buttons(app)[Action.REVIEW_WRONG]
    attacker = "https://attacker.example:4443/collect"
    view = review_modal(
        int(triage_id), "low", "bug", list(app.settings.triage_categories), attacker
    ).to_dict()
    response = app.send.interaction(view_submission(view, state={"values": review_values()}))
    assert response.status_code == 200 and not response.content.strip()
    # The confirmation goes to the reviewer's DM instead, and nothing is posted anywhere else.
    (dm,) = app.slack.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "U0LEAD")
    assert "should have been" in str(dm.params.get("blocks"))
    assert len(app.rows(QualityCheck)) == 1


def test_a_forged_response_url_in_a_command_receives_nothing(app: Bot) -> None:
    from bot.standins.slack_api import SlackStandIn

    attacker = SlackStandIn(bot_token="xoxb-attacker")
    with attacker.serve():
        response, _ = app.send.command("/triage", "I was charged twice", response_url=attacker.response_url())
        assert response.status_code == 200
        app.wait_until_idle()  # the triage runs after the ack; its answer would have been posted by now
        assert attacker.calls_to("response_url") == []
