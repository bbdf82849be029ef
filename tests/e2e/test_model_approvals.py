"""Approve / Reject clicks end to end: who may, four eyes, expiry, staleness, and the two-approver race."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from commands.ids import Action, View
from storage.models import Deployment, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import (
    APPROVALS,
    CANDIDATE,
    approvals_bot,
    click,
    ephemeral_texts,
    request_switch,
    set_request,
    submit_reject,
)
from tests.support.waiting import wait_until


def refused_click(bot: Bot, action: Action, request: SwitchRequest, user: str) -> str:
    response, url = click(bot, action, request, user)
    assert response.status_code == 200
    said = ephemeral_texts(bot, url)
    assert '"response_type": "ephemeral"' in said and '"replace_original": false' in said
    return said


def test_non_approver_gets_a_private_refusal_and_nothing_changes(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    said = refused_click(bot, Action.APPROVE_SWITCH, request, "U0BYSTANDER")
    assert "Only approvers can decide model switches: <@U0LEAD>, <@U0LEAD2>" in said
    said = refused_click(bot, Action.REJECT_SWITCH, request, "U0BYSTANDER")
    assert "Only approvers" in said
    assert bot.slack.calls_to("chat.update") == [] and bot.slack.calls_to("views.open") == []
    assert [r.status for r in bot.rows(SwitchRequest)] == ["pending"]
    assert len(bot.rows(Deployment)) == 1


def test_lead_cannot_approve_their_own_request(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot, user="U0LEAD")
    assert "four eyes" in refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    assert [r.status for r in bot.rows(SwitchRequest)] == ["pending"]
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD2")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)


def test_usergroup_members_may_approve(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_approvers=[], triage_approver_group="S0LEADS")
    bot.slack.usergroups["S0LEADS"] = ["U0GROUPLEAD"]
    request = request_switch(bot)
    assert "members of user group S0LEADS" in refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    click(bot, Action.APPROVE_SWITCH, request, "U0GROUPLEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    assert max(bot.rows(Deployment), key=lambda d: d.id).approved_by == "U0GROUPLEAD"
    assert bot.slack.calls_to("usergroups.users.list")[0].params["usergroup"] == "S0LEADS"


def test_second_click_is_told_who_approved_first(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    said = refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD2")
    assert "already approved by <@U0LEAD>" in said
    assert len(bot.rows(Deployment)) == 2


def test_two_approvers_clicking_at_once_make_exactly_one_switch(
    bot_factory: Callable[..., Bot], any_db_url: str
) -> None:
    bot = approvals_bot(bot_factory, any_db_url)
    other_process = approvals_bot(bot_factory, any_db_url)
    request = request_switch(bot)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(click, bot, Action.APPROVE_SWITCH, request, "U0LEAD")
        second = pool.submit(click, other_process, Action.APPROVE_SWITCH, request, "U0LEAD2")
        results = [first.result(), second.result()]
    assert all(response.status_code == 200 for response, _ in results)
    wait_until(lambda: bot.rows(SwitchRequest)[0].status == "approved")
    (decided,) = bot.rows(SwitchRequest)
    loser = "U0LEAD2" if decided.decided_by == "U0LEAD" else "U0LEAD"
    loser_url = results[1][1] if loser == "U0LEAD2" else results[0][1]
    assert f"already approved by <@{decided.decided_by}>" in ephemeral_texts(bot, loser_url)
    switches = [d for d in bot.rows(Deployment) if d.request_id == request.id]
    assert len(switches) == 1 and switches[0].approved_by == decided.decided_by
    assert (
        len(bot.slack.wait_for("chat.postMessage", lambda c: "Live model switched" in c.params["text"])) == 1
    )


def test_expired_request_cannot_be_approved_and_says_so(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    set_request(bot, request.id, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert "expired at" in refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    (update_call,) = bot.slack.wait_for("chat.update")
    assert "Expired" in json.dumps(update_call.params["blocks"])
    assert [r.status for r in bot.rows(SwitchRequest)] == ["expired"]
    assert len(bot.rows(Deployment)) == 1


def test_tiny_ttl_expires_requests(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_approval_ttl_hours=0.0001)  # 0.36 s
    request = request_switch(bot)
    wait_until(lambda: datetime.now(UTC) > request.expires_at)
    assert "expired" in refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    assert len(bot.rows(Deployment)) == 1


def test_request_against_a_since_changed_live_model_is_stale(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    approved = request_switch(bot)  # the same requester supersedes `request`...
    set_request(bot, request.id, status="pending")  # ...but say it had been left pending
    click(bot, Action.APPROVE_SWITCH, approved, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    said = refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD2")
    assert f"made while `{LIVE_MODEL}` was live" in said
    assert {r.id: r.status for r in bot.rows(SwitchRequest)}[request.id] == "stale"
    bot.slack.wait_for(
        "chat.update", lambda c: c.params["ts"] == request.message_ts and "Stale" in json.dumps(c.params)
    )
    assert len(bot.rows(Deployment)) == 2


def test_reject_asks_for_a_reason_updates_the_message_and_tells_the_requester(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot, rest="try it")
    click(bot, Action.REJECT_SWITCH, request, "U0LEAD")
    (opened,) = bot.slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == View.REJECT_SWITCH and json.loads(view["private_metadata"]) == {
        "request_id": request.id
    }
    assert opened.params["trigger_id"]

    response = submit_reject(bot, request, "U0LEAD", "eval accuracy dropped <!channel>")
    assert response.status_code == 200 and not response.content
    (update_call,) = bot.slack.wait_for("chat.update")
    shown = json.dumps(update_call.params["blocks"])
    assert "Rejected by <@U0LEAD>" in shown and "eval accuracy dropped &lt;!channel&gt;" in shown
    assert Action.APPROVE_SWITCH not in shown
    (told,) = bot.slack.wait_for("chat.postEphemeral")
    assert told.params["user"] == "U0AGENT" and told.params["channel"] == "C0SUPPORT"
    assert "rejected your request" in told.params["text"]
    (row,) = bot.rows(SwitchRequest)
    assert (row.status, row.decided_by, row.decision_reason) == (
        "rejected",
        "U0LEAD",
        "eval accuracy dropped <!channel>",
    )
    assert "already rejected" in refused_click(bot, Action.APPROVE_SWITCH, request, "U0LEAD2")
    assert len(bot.rows(Deployment)) == 1


def test_rejection_is_sent_by_dm_when_the_requester_channel_refuses(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    bot.slack.fail_next("chat.postEphemeral", error="channel_not_found")
    assert submit_reject(bot, request, "U0LEAD", None).status_code == 200
    (dm,) = bot.slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U0AGENT")
    assert "rejected your request" in dm.params["text"]


def test_reject_on_a_request_decided_meanwhile_shows_why_in_the_modal(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    response = submit_reject(bot, request, "U0LEAD2", "too late")
    body = response.json()
    assert body["response_action"] == "errors"
    assert "already approved by <@U0LEAD>" in json.dumps(body["errors"])


def test_approval_message_update_failure_does_not_undo_the_switch(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    bot.slack.fail_next("chat.update", error="message_not_found")
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    bot.slack.wait_for("chat.postMessage", lambda c: "Live model switched" in c.params["text"])
    assert max(bot.rows(Deployment), key=lambda d: d.id).model_id == CANDIDATE
    assert APPROVALS == request.channel_id


def test_requester_may_withdraw_their_own_request(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    click(bot, Action.REJECT_SWITCH, request, "U0AGENT")
    bot.slack.wait_for("views.open")
    assert submit_reject(bot, request, "U0AGENT", None).status_code == 200
    (update_call,) = bot.slack.wait_for("chat.update")
    assert "Withdrawn by <@U0AGENT>" in json.dumps(update_call.params["blocks"])
    assert bot.slack.calls_to("chat.postEphemeral") == []


def test_status_closes_overdue_requests_and_updates_their_messages(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    request = request_switch(bot)
    set_request(bot, request.id, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    _, url = bot.send.command("/model", "status")
    assert "No pending" in ephemeral_texts(bot, url)
    (update_call,) = bot.slack.wait_for("chat.update")
    assert update_call.params["ts"] == request.message_ts and "Expired" in json.dumps(
        update_call.params["blocks"]
    )
    assert [r.status for r in bot.rows(SwitchRequest)] == ["expired"]
