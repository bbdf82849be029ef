"""Shadowing a candidate on live traffic, end to end over HTTP (issue 10, shadow part)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bot.standins.slack_api import SlackCall
from commands.ids import Action, Block
from storage.models import ShadowPair, ShadowRoute, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import CANDIDATE, approvals_bot, responses
from tests.support.routing_requests import LEAD, MESSAGE, shadow, triage
from tests.support.waiting import wait_until

SECRET = "Candidate-only summary 7f3a"
CANDIDATE_ANSWER = {
    "urgency": "critical",
    "category": "outage",
    "summary": SECRET,
    "next_step": "Page on-call.",
}


def model_says(bot: Bot, args: str = "", user: str = LEAD) -> str:
    response, _ = bot.send.command("/model", f"shadow {args}".strip(), user_id=user)
    assert response.status_code == 200
    return json.dumps(response.json())


def candidate_requests(bot: Bot) -> list[dict[str, Any]]:
    return [r for r in bot.openai.chat_requests() if r["model"] == CANDIDATE]


def everything_sent(calls: list[SlackCall]) -> str:
    return "\n".join(json.dumps(c.params) for c in calls)


def test_shadow_pairs_are_recorded_and_never_shown_to_the_agent(
    bot_factory: Callable[..., Bot], any_db_url: str
) -> None:
    bot = approvals_bot(bot_factory, any_db_url)
    bot.openai.script_for_model(CANDIDATE, "charged twice", CANDIDATE_ANSWER)
    said = shadow(bot, "100% to compare before the switch")
    assert "Shadowing" in said["text"] and "100%" in said["text"]
    said_to_agent = triage(bot)
    (pair,) = wait_until(lambda: bot.rows(ShadowPair))
    (row,) = bot.rows(Triage)
    assert (pair.status, pair.urgency, pair.category, pair.summary) == ("ok", "critical", "outage", SECRET)
    assert pair.model_id == CANDIDATE and pair.latency_ms is not None and pair.prompt_tokens
    assert row.model_id == LIVE_MODEL and row.summary != SECRET and row.delivery_status == "delivered"
    # The same prompt and input as the live call.
    live_call = next(r for r in bot.openai.chat_requests() if r["model"] == LIVE_MODEL)
    assert candidate_requests(bot)[-1]["messages"] == live_call["messages"]
    # The agent saw the live answer only, anywhere Slack was told anything.
    assert SECRET not in json.dumps(said_to_agent) and "critical" not in json.dumps(said_to_agent)
    assert SECRET not in everything_sent(bot.slack.calls)

    status = model_says(bot, "", user="U0AGENT")
    assert "Pairs recorded: *1*" in status and "candidate errors: *0*" in status
    assert "Agreement with the live model" in status
    assert "Median latency: live " in status and "candidate n/a" not in status


def test_a_failing_or_slow_candidate_never_affects_the_live_result(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    shadow(bot)
    bot.openai.fail_next("server_error", times=2, model=CANDIDATE)  # the call and its retry
    said = triage(bot)
    assert "urgency" in json.dumps(said).lower() and "error" not in said["text"].lower()
    (pair,) = wait_until(lambda: bot.rows(ShadowPair))
    assert pair.status == "failed" and pair.error_kind
    (live,) = bot.rows(Triage)
    assert live.status == "ok" and live.delivery_status == "delivered"

    # A slow candidate: the agent's answer arrives long before the candidate's.
    bot.openai.model_latency[CANDIDATE] = 1.5
    started = time.monotonic()
    triage(bot, "The export button is broken for all of our users")
    assert time.monotonic() - started < 1.2
    assert len(bot.rows(ShadowPair)) == 1  # the candidate has not answered yet
    wait_until(lambda: len(bot.rows(ShadowPair)) == 2)
    assert "candidate errors: *1*" in model_says(bot)


def test_the_daily_cap_holds_and_is_counted(bot_factory: Callable[..., Bot], any_db_url: str) -> None:
    bot = approvals_bot(bot_factory, any_db_url, triage_shadow_daily_calls=2)
    shadow(bot)
    for n in range(4):
        triage(bot, f"Customer {n}: the app crashes when I open settings")
    wait_until(lambda: len(bot.rows(ShadowPair)) == 2)
    wait_until(lambda: bot.rows(ShadowRoute)[0].skipped_by_cap == 2)
    assert len(candidate_requests(bot)) == 2
    status = model_says(bot)
    assert "Pairs recorded: *2*" in status and "Skipped by the daily cap: *2*" in status
    assert "2 of 2" in status


def test_only_approvers_stop_and_stop_works(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    shadow(bot)
    assert "approver" in model_says(bot, "stop", user="U0AGENT")
    stopped = model_says(bot, "stop done comparing")
    assert "Stopped shadowing" in stopped
    triage(bot)
    bot.wait_until_idle()  # a mirror that should not happen would have happened by now
    assert bot.rows(ShadowPair) == [] and candidate_requests(bot) == []
    status = model_says(bot, "status", user="U0AGENT")
    assert "No model is being shadowed" in status and "stopped by" in status and "done comparing" in status
    assert "No model is being shadowed" in model_says(bot, "stop")


def test_starting_another_candidate_replaces_the_first_on_record(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    other = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0003"
    bot.openai.add_model(other)
    shadow(bot)
    response, url = bot.send.command("/model", f"shadow {other} on openai 20 newer data", user_id="U0LEAD2")
    assert response.status_code == 200
    (said,) = responses(bot, url)
    assert "replaces" in said["text"]
    first, second = sorted(bot.rows(ShadowRoute), key=lambda r: r.id)
    assert (first.state, first.ended_by) == ("replaced", "U0LEAD2") and first.ended_at is not None
    assert other in (first.end_reason or "")
    assert (second.state, second.model_id, second.percent, second.reason) == (
        "active",
        other,
        20,
        "newer data",
    )
    # Unknown models and the live model are refused before any traffic goes to them.
    response, url = bot.send.command("/model", "shadow ft:gpt-4o-mini:acme::gone9999", user_id=LEAD)
    (said,) = responses(bot, url)
    assert "Shadowing" not in said["text"]
    response, url = bot.send.command("/model", f"shadow {LIVE_MODEL}", user_id=LEAD)
    (said,) = responses(bot, url)
    assert "live model already" in said["text"]
    assert len(bot.rows(ShadowRoute)) == 2


def _click(bot: Bot, action: Action, pair_id: int, user: str) -> dict[str, Any]:
    response, url = bot.send.block_action(action, str(pair_id), user_id=user, block_id=Block.SHADOW_REVIEW)
    assert response.status_code == 200
    (said,) = responses(bot, url)
    return said


def test_disagreements_are_reviewed_and_verdicts_stored_once(
    bot_factory: Callable[..., Bot], any_db_url: str
) -> None:
    bot = approvals_bot(bot_factory, any_db_url)
    bot.openai.script_for_model(CANDIDATE, "charged twice", CANDIDATE_ANSWER)
    shadow(bot)
    triage(bot)
    (pair,) = wait_until(lambda: bot.rows(ShadowPair))
    (live,) = bot.rows(Triage)

    review = model_says(bot, "review", user="U0REVIEWER")
    assert f"live said {live.urgency}/{live.category}, candidate said critical/outage" in review
    assert Action.SHADOW_VERDICT_CANDIDATE in review and Action.SHADOW_VERDICT_NEITHER in review

    said = _click(bot, Action.SHADOW_VERDICT_CANDIDATE, pair.id, "U0REVIEWER")
    assert "Recorded" in said["text"] and "No disagreements" in json.dumps(said["blocks"])
    (pair,) = bot.rows(ShadowPair)
    assert (pair.verdict, pair.verdict_by) == ("candidate", "U0REVIEWER")

    # A double click, or a second reviewer: the first verdict stands.
    again = _click(bot, Action.SHADOW_VERDICT_LIVE, pair.id, "U0OTHER")
    assert "already judged" in again["text"]
    (pair,) = bot.rows(ShadowPair)
    assert (pair.verdict, pair.verdict_by) == ("candidate", "U0REVIEWER")
    assert "candidate right 1" in model_says(bot)
    assert "No disagreements" in model_says(bot, "review")


def test_mentions_are_shadowed_once_even_when_slack_retries(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    bot.openai.script_for_model(CANDIDATE, "charged twice", CANDIDATE_ANSWER)
    shadow(bot)
    assert bot.send.mention(MESSAGE, ts="1700000000.000900", event_id="Ev0SHADOW").status_code == 200
    bot.slack.wait_for("chat.postMessage")
    assert bot.send.last_sent is not None
    body, _ = bot.send.last_sent
    retry = bot.send.post(
        body, "application/json", headers={"X-Slack-Retry-Num": "1"}, timestamp=int(time.time()) + 1
    )
    assert retry.status_code == 200
    wait_until(lambda: bot.rows(ShadowPair))
    bot.wait_until_idle()  # a wrongly mirrored retry would have happened by now
    assert len(bot.rows(ShadowPair)) == 1 and len(candidate_requests(bot)) == 1
    (thread_post,) = bot.slack.calls_to("chat.postMessage")
    assert SECRET not in json.dumps(thread_post.params)
