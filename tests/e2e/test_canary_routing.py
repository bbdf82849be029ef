"""Canarying a candidate on a share of live triages, end to end over HTTP (issue 10, canary part)."""

from __future__ import annotations

import json
from collections.abc import Callable

from commands.ids import Action
from storage.models import CanaryEvent, CanaryRoute, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import (
    CANDIDATE,
    approval_posts,
    approvals_bot,
    click,
    wait_until,
)
from tests.support.routing_requests import (
    AGENT,
    LEAD,
    TICKETS,
    ask_for_canary,
    canary_says,
    newest_triage,
    start_canary,
    triage,
)


def test_a_canary_is_approved_and_assignment_is_sticky(
    bot_factory: Callable[..., Bot], any_db_url: str
) -> None:
    bot = approvals_bot(bot_factory, any_db_url, triage_rate_limit_per_user=0)
    request = ask_for_canary(bot, "50% compare on real tickets")
    assert (request.kind, request.percent) == ("canary", 50)
    assert "50% of live triages" in json.dumps(approval_posts(bot)[-1].params)
    response, _ = click(bot, Action.APPROVE_SWITCH, request, AGENT)  # four eyes: not the requester
    assert response.status_code == 200 and bot.rows(CanaryRoute) == []
    canary = start_canary(bot, 50)
    assert (canary.started_by, canary.approved_by, canary.model_id) == (AGENT, LEAD, CANDIDATE)
    wait_until(
        lambda: [c for c in bot.slack.calls_to("chat.postMessage") if "Canary of" in c.params.get("text", "")]
    )

    first: dict[str, str] = {}
    for ticket in TICKETS:
        said = triage(bot, ticket)
        row = newest_triage(bot)
        assert row.canary_id == canary.id and row.arm in ("live", "candidate")
        # The result names the model that answered.
        assert row.model_id in json.dumps(said)
        first[ticket] = row.arm or ""
    assert set(first.values()) == {"live", "candidate"}, first  # 50%: both arms serve
    # Re-triaging the same ticket (whatever the case or spacing) never flips the model.
    for ticket in TICKETS:
        triage(bot, "  " + ticket.upper().replace(" ", "   ") + " ")
        row = newest_triage(bot)
        assert row.arm == first[ticket]
        assert row.model_id == (CANDIDATE if first[ticket] == "candidate" else LIVE_MODEL)

    # The shortcut keys by the Slack thread: every message of a thread gets the thread's arm.
    arms: dict[str, set[str]] = {}
    for n in range(6):
        thread = f"1700000100.{n:06d}"
        for reply, text in enumerate(("The app is down", "Still down, please help", "Any news?")):
            ts = thread if reply == 0 else f"1700000200.{n:03d}{reply:03d}"
            before = len(bot.rows(Triage))
            response, _ = bot.send.message_shortcut(
                "triage_message", text, message_ts=ts, thread_ts=None if reply == 0 else thread
            )
            assert response.status_code == 200
            wait_until(lambda before=before: len(bot.rows(Triage)) > before)
            arms.setdefault(thread, set()).add(newest_triage(bot).arm or "")
    assert all(len(found) == 1 for found in arms.values()), arms
    assert {arm for found in arms.values() for arm in found} == {"live", "candidate"}, arms

    # A lead lowers it at once (recorded); an agent cannot.
    assert "approvers" in canary_says(bot, f"{CANDIDATE} 10%", user=AGENT)
    lowered = canary_says(bot, f"{CANDIDATE} 10% too many tickets on it")
    assert "now serves 10%" in lowered and "was 50%" in lowered
    (canary,) = bot.rows(CanaryRoute)
    assert canary.percent == 10
    # Raising it is a new approved step; tickets on the candidate stay there.
    step = ask_for_canary(bot, "80% looks good")
    assert (step.kind, step.percent) == ("canary", 80)
    assert bot.rows(CanaryRoute)[0].percent == 10
    click(bot, Action.APPROVE_SWITCH, step, "U0LEAD2")
    wait_until(lambda: bot.rows(CanaryRoute)[0].percent == 80)
    assert len(bot.rows(CanaryRoute)) == 1  # the same canary, so the same salt
    actions = [
        (e.action, e.by, e.percent_before, e.percent)
        for e in sorted(bot.rows(CanaryEvent), key=lambda e: e.id)
    ]
    assert actions == [("start", LEAD, None, 50), ("lower", LEAD, 50, 10), ("raise", "U0LEAD2", 10, 80)]
    for ticket in TICKETS:
        if first[ticket] == "candidate":
            triage(bot, ticket)
            assert newest_triage(bot).arm == "candidate"

    status = canary_says(bot, "", user=AGENT)
    assert "serves *80%*" in status and "Candidate: *" in status and "p95 latency" in status
    # Stop is immediate for approvers: every triage goes back to the live model.
    assert "approvers" in canary_says(bot, "stop", user=AGENT)
    assert "Stopped the canary" in canary_says(bot, "stop enough data")
    for ticket in TICKETS[:4]:
        triage(bot, ticket)
        row = newest_triage(bot)
        assert (row.arm, row.canary_id, row.model_id) == ("live", None, LIVE_MODEL)
    assert "No canary is running" in canary_says(bot, "status", user=AGENT)


def test_mentions_in_one_thread_share_the_threads_arm(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_rate_limit_per_user=0)
    start_canary(bot, 50)
    arms: dict[str, set[str]] = {}
    for n in range(6):
        thread = f"1700000300.{n:06d}"
        for reply, words in enumerate(("Checkout fails with error 500", "It also fails on mobile")):
            before = len(bot.rows(Triage))
            ts = f"1700000400.{n:03d}{reply:03d}"
            response = bot.send.mention(words, ts=ts, thread_ts=thread)
            assert response.status_code == 200
            wait_until(lambda before=before: len(bot.rows(Triage)) > before)
            row = newest_triage(bot)
            assert row.source == "mention"
            arms.setdefault(thread, set()).add(row.arm or "")
    assert all(len(found) == 1 for found in arms.values()), arms
    assert {arm for found in arms.values() for arm in found} == {"live", "candidate"}, arms
