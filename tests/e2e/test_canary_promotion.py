"""Promoting a candidate on live evidence: the switch request shows its shadow and canary figures
beside the eval gate, and approving it ends the canary as promoted (issue 10)."""

from __future__ import annotations

import json
from collections.abc import Callable

from commands.ids import Action
from storage.models import CanaryRoute, QualityCheck, ShadowPair, Triage
from tests.support.app_under_test import Bot
from tests.support.model_requests import (
    CANDIDATE,
    approval_posts,
    approvals_bot,
    click,
    request_switch,
    wait_until,
)
from tests.support.routing_requests import newest_triage, shadow, start_canary, triage


def test_the_switch_request_shows_live_evidence_and_approval_promotes_the_canary(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_rate_limit_per_user=0)
    shadow(bot)
    for n in range(3):
        triage(bot, f"Customer {n}: I was charged twice")
    wait_until(lambda: len(bot.rows(ShadowPair)) == 3)
    start_canary(bot, 100)
    bot.openai.fail_next("off_schema", model=CANDIDATE)
    for n in range(4):
        triage(bot, f"Customer {n}: the login page hangs")
    served = [t for t in bot.rows(Triage) if t.arm == "candidate"]
    assert len(served) == 3 and len([t for t in bot.rows(Triage) if t.arm == "fallback"]) == 1
    response, _ = bot.send.block_action(Action.REVIEW_CORRECT, str(served[0].id), user_id="U0LEAD")
    assert response.status_code == 200
    wait_until(lambda: bot.rows(QualityCheck))

    request = request_switch(bot, CANDIDATE, rest="promote after the canary")
    posted = json.dumps(approval_posts(bot)[-1].params)
    assert "Live evidence" in posted
    # Three pairs before the canary, and the fallback (the live model answered it) mirrored too.
    assert "*4* pairs, 0 candidate errors" in posted and "Agreement with live: urgency:" in posted
    assert "Candidate: *4* triages, 3 answered, failure rate 25% (1 of 4)" in posted
    assert "p95 latency: candidate" in posted and "(3 answers)" in posted
    assert "Reviewers: candidate 0 wrong of 1 reviewed" in posted
    # The evidence stays on the message through its decision.
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    (canary,) = wait_until(lambda: [c for c in bot.rows(CanaryRoute) if c.state == "promoted"])
    assert canary.ended_by == "U0LEAD"
    updated = wait_until(
        lambda: [
            c
            for c in bot.slack.calls_to("chat.update")
            if "Approved by" in json.dumps(c.params) and c.params["text"].startswith("Model switch request")
        ]
    )
    assert "Live evidence" in json.dumps(updated[-1].params)
    triage(bot, "Customer 9: the login page hangs")
    row = newest_triage(bot)
    assert (row.model_id, row.arm, row.canary_id) == (CANDIDATE, "live", None)
