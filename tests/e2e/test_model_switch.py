"""/model switch end to end: checks on the candidate, the approval request, approval, and the next triage."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot.standins.openai_api import OpenAIStandIn
from commands.ids import Action
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import (
    APPROVALS,
    CANDIDATE,
    approval_posts,
    approvals_bot,
    click,
    ephemeral_texts,
    request_switch,
    responses,
    second_endpoint,  # noqa: F401 - fixture
)
from tests.support.waiting import wait_until


def triage_model(bot: Bot) -> str:
    before = len(bot.openai.chat_requests())
    response, url = bot.send.command("/triage", "Customers cannot log in since this morning")
    assert response.status_code == 200
    responses(bot, url)
    return bot.openai.chat_requests()[before]["model"]


def test_switch_approved_by_a_lead_is_what_the_next_triage_uses_in_every_process(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    other_process = approvals_bot(bot_factory, sqlite_url)
    assert triage_model(bot) == LIVE_MODEL

    request = request_switch(bot, rest="fewer wrong billing labels")
    (post,) = approval_posts(bot)
    assert post.params["channel"] == APPROVALS
    shown = json.dumps(post.params["blocks"])
    for expected in (
        "<@U0AGENT>",
        LIVE_MODEL,
        CANDIDATE,
        "fewer wrong billing labels",
        f"request #{request.id}",
    ):
        assert expected in shown
    assert "Expires" in shown

    response, _ = click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    assert response.status_code == 200
    (update,) = bot.slack.wait_for("chat.update")
    assert update.params["ts"] == request.message_ts and update.params["channel"] == APPROVALS
    updated = json.dumps(update.params["blocks"])
    assert "Approved by <@U0LEAD>" in updated and Action.APPROVE_SWITCH not in updated
    (announcement,) = bot.slack.wait_for(
        "chat.postMessage", lambda c: "Live model switched" in c.params["text"]
    )
    assert announcement.params["channel"] == APPROVALS
    assert CANDIDATE in announcement.params["text"] and "<@U0AGENT>" in announcement.params["text"]

    (told,) = bot.slack.wait_for("chat.postEphemeral", lambda c: "approved your request" in c.params["text"])
    assert (told.params["user"], told.params["channel"]) == ("U0AGENT", "C0SUPPORT")

    live = max(bot.rows(Deployment), key=lambda d: d.id)
    assert (live.model_id, live.previous_model_id, live.kind) == (CANDIDATE, LIVE_MODEL, "switch")
    assert (live.requested_by, live.approved_by, live.reason) == (
        "U0AGENT",
        "U0LEAD",
        "fewer wrong billing labels",
    )
    assert live.request_id == request.id
    (decided,) = bot.rows(SwitchRequest)
    assert (decided.status, decided.decided_by) == ("approved", "U0LEAD")

    assert triage_model(bot) == CANDIDATE
    assert triage_model(other_process) == CANDIDATE
    restarted = approvals_bot(bot_factory, sqlite_url, triage_default_model="ft:gpt-4o-mini:acme::from-env")
    assert triage_model(restarted) == CANDIDATE  # the database decides, not TRIAGE_DEFAULT_MODEL


def test_approval_request_goes_to_the_command_channel_without_an_approvals_channel(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_approval_channel=None)
    request = request_switch(bot)
    assert request.channel_id == "C0SUPPORT"
    assert approval_posts(bot)[0].params["channel"] == "C0SUPPORT"


def test_requester_sees_where_the_request_went(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    response, url = bot.send.command("/model", f"switch {CANDIDATE} because")
    assert "Checking" in response.json()["text"]
    text = ephemeral_texts(bot, url)
    assert f"<#{APPROVALS}>" in text and "expires" in text


def refusal(bot: Bot, command_text: str) -> str:
    response, url = bot.send.command("/model", command_text)
    assert response.status_code == 200
    body = response.json()["text"]
    if body.startswith(":warning:"):
        return body
    return ephemeral_texts(bot, url)


def assert_nothing_requested(bot: Bot) -> None:
    assert bot.rows(SwitchRequest) == []
    assert approval_posts(bot) == []
    assert len(bot.rows(Deployment)) == 1


def test_unknown_model_is_refused_and_nothing_happens(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    said = refusal(bot, "switch ft:gpt-4o-mini-2024-07-18:acme:triage:typo0002 better")
    assert "OpenAI has no model `ft:gpt-4o-mini-2024-07-18:acme:triage:typo0002` visible to this key" in said
    assert_nothing_requested(bot)


def test_malformed_and_same_model_ids_are_refused(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    assert "does not look like a model ID" in refusal(bot, "switch ft:abc`oops")
    assert "Name the model" in refusal(bot, "switch")
    assert "at most 256" in refusal(bot, "switch " + "m" * 300)
    assert "already the live model" in refusal(bot, f"switch {LIVE_MODEL}")
    assert_nothing_requested(bot)


def test_unknown_endpoint_lists_the_configured_ones(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    said = refusal(bot, f"switch {CANDIDATE} on azure")
    assert "no endpoint named `azure`" in said and "Configured endpoints: openai" in said
    assert_nothing_requested(bot)


def test_model_past_shutdown_is_refused(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    bot.openai.add_model("ft:gpt-4o-mini:acme::retired", shutdown_date=yesterday)
    assert "reached its shutdown date" in refusal(bot, "switch ft:gpt-4o-mini:acme::retired")
    assert_nothing_requested(bot)


def test_model_near_shutdown_warns_loudly_in_the_approval_request(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    soon = datetime.now(UTC).date() + timedelta(days=12)
    bot.openai.add_model("ft:gpt-4o-mini:acme::soon", shutdown_date=soon)
    request = request_switch(bot, "ft:gpt-4o-mini:acme::soon")
    assert request.shutdown_date == soon.isoformat()
    shown = json.dumps(approval_posts(bot)[0].params["blocks"])
    assert f"shuts down on {soon.isoformat()} (12 days left)" in shown and "Heads up" in shown


def test_far_shutdown_is_shown_quietly(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model("ft:gpt-4o-mini:acme::later", shutdown_date=date(2099, 1, 14))
    request_switch(bot, "ft:gpt-4o-mini:acme::later")
    shown = json.dumps(approval_posts(bot)[0].params["blocks"])
    assert "shuts down on 2099-01-14" in shown and "Heads up" not in shown


def test_failed_approval_post_leaves_no_pending_request(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")
    _, url = bot.send.command("/model", f"switch {CANDIDATE}")
    said = ephemeral_texts(bot, url)
    assert "not_in_channel" in said and "/invite @triagebot" in said and "No request was opened" in said
    assert bot.rows(SwitchRequest) == []


def test_newer_request_supersedes_older_ones_and_updates_their_messages(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.add_model("ft:gpt-4o-mini:acme::third")
    first = request_switch(bot)
    second = request_switch(bot, "ft:gpt-4o-mini:acme::third", user="U0LEAD2")  # an approver may supersede
    (update,) = bot.slack.wait_for("chat.update", lambda c: c.params["ts"] == first.message_ts)
    updated = json.dumps(update.params["blocks"])
    assert f"Superseded by request #{second.id}" in updated and Action.APPROVE_SWITCH not in updated
    statuses = {r.id: r.status for r in bot.rows(SwitchRequest)}
    assert statuses == {first.id: "superseded", second.id: "pending"}

    _, url = click(bot, Action.APPROVE_SWITCH, first, "U0LEAD")
    assert f"superseded by request #{second.id}" in ephemeral_texts(bot, url)
    assert len(bot.rows(Deployment)) == 1


def test_switch_to_a_model_on_a_second_endpoint(
    bot_factory: Callable[..., Bot],
    sqlite_url: str,
    second_endpoint: tuple[OpenAIStandIn, dict],  # noqa: F811
) -> None:
    stand_in, endpoints = second_endpoint
    bot = approvals_bot(bot_factory, sqlite_url, triage_endpoints=endpoints)
    stand_in.add_model("meta-llama/Llama-3.1-8B-Instruct:triage-lora")
    said = refusal(bot, "switch meta-llama/unknown on vllm")
    assert "Endpoint `vllm` has no model `meta-llama/unknown`" in said
    request = request_switch(
        bot, "meta-llama/Llama-3.1-8B-Instruct:triage-lora", rest="on vllm moving off ft"
    )
    assert (request.endpoint, request.reason) == ("vllm", "moving off ft")
    shown = json.dumps(approval_posts(bot)[0].params["blocks"])
    assert "`meta-llama/Llama-3.1-8B-Instruct:triage-lora` on `vllm`" in shown
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    before = len(stand_in.chat_requests())
    bot.send.command("/triage", "Refund please, charged twice")
    wait_until(lambda: len(stand_in.chat_requests()) > before)
    assert stand_in.chat_requests()[-1]["model"] == "meta-llama/Llama-3.1-8B-Instruct:triage-lora"


def test_approvals_channel_may_be_configured_by_name(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_approval_channel="#model-approvals")
    _, url = bot.send.command("/model", f"switch {CANDIDATE}")
    assert "waiting for a lead in #model-approvals." in ephemeral_texts(bot, url)
    assert approval_posts(bot)[0].params["channel"] == "#model-approvals"
