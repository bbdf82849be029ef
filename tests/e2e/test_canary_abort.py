"""A canary's candidate failing: fallback to live for that triage, and the automatic abort (issue 10)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.routing.abort import (
    AbortRules,
    ArmReviews,
    CanaryFigures,
    abort_reasons,
    check_canary,
    fisher_greater,
)
from storage.db import Database
from storage.models import CanaryEvent, CanaryRoute, Triage
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import APPROVALS, CANDIDATE, approvals_bot, wait_until
from tests.support.routing_requests import canary_says, newest_triage, start_canary, triage


def aborts_told(bot: Bot) -> list[str]:
    return [
        c.params["text"]
        for c in bot.slack.calls_to("chat.postMessage")
        if c.params.get("channel") == APPROVALS and "aborted automatically" in c.params.get("text", "")
    ]


def test_a_failing_candidate_falls_back_to_live_and_counts_against_it(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_canary_min_sample=50)
    start_canary(bot, 100)
    bot.openai.fail_next("server_error", times=2, model=CANDIDATE)  # the call and its retry
    said = triage(bot, "I was charged twice this month")
    row = newest_triage(bot)
    # The agent gets the live model's answer, named as such; the failure is the candidate's.
    assert (row.status, row.arm, row.model_id) == ("ok", "fallback", LIVE_MODEL)
    assert row.candidate_error and LIVE_MODEL in json.dumps(said) and "error" not in said["text"].lower()
    bot.openai.fail_next("off_schema", model=CANDIDATE)  # not retried: the answer came, wrong
    triage(bot, "The export button does nothing")
    assert newest_triage(bot).arm == "fallback"
    said = triage(bot, "Please cancel my subscription")
    row = newest_triage(bot)
    assert (row.arm, row.model_id) == ("candidate", CANDIDATE) and CANDIDATE in json.dumps(said)
    # A candidate that hangs gets one attempt's time (TRIAGE_MODEL_TIMEOUT), not its retries too.
    bot.openai.fail_next("timeout", times=2, model=CANDIDATE)
    said = triage(bot, "The mobile app crashes on start")
    row = newest_triage(bot)
    assert (row.arm, row.candidate_error, row.model_id) == ("fallback", "timeout", LIVE_MODEL)
    assert LIVE_MODEL in json.dumps(said)
    status = canary_says(bot)
    assert "failure rate 75% (3 of 4)" in status


def test_the_canary_aborts_itself_after_the_minimum_sample_with_one_message(
    bot_factory: Callable[..., Bot], any_db_url: str
) -> None:
    bot = approvals_bot(bot_factory, any_db_url, triage_canary_min_sample=5)
    canary = start_canary(bot, 100)
    bot.openai.fail_next("off_schema", times=100, model=CANDIDATE)
    for n in range(4):
        triage(bot, f"Customer {n}: the dashboard is blank")
    assert bot.rows(CanaryRoute)[0].state == "active"  # 100% failures, but under the minimum sample
    triage(bot, "Customer 4: the dashboard is blank")
    wait_until(lambda: bot.rows(CanaryRoute)[0].state == "aborted")
    (told,) = wait_until(lambda: aborts_told(bot))
    assert "failure rate 100% (5 of 5" in told and "TRIAGE_CANARY_MAX_ERROR_RATE" in told
    (aborted,) = bot.rows(CanaryRoute)
    assert aborted.ended_by == "monitor" and "failure rate" in (aborted.end_reason or "")
    assert [e.action for e in sorted(bot.rows(CanaryEvent), key=lambda e: e.id)] == ["start", "abort"]
    # Traffic is back on the live model, and a later check (any process) finds nothing to abort.
    triage(bot, "Customer 5: the dashboard is blank")
    row = newest_triage(bot)
    assert (row.arm, row.canary_id, row.model_id) == ("live", None, LIVE_MODEL)
    db = Database(any_db_url)
    try:
        again = asyncio.run(
            check_canary(db, AbortRules(min_sample=1), datetime.now(UTC), canary_id=canary.id)
        )
    finally:
        asyncio.run(db.dispose())
    assert again is None and len(aborts_told(bot)) == 1
    assert "aborted automatically" in canary_says(bot, "status")


def test_a_slow_candidate_is_aborted_on_its_p95(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_canary_min_sample=3, triage_canary_max_p95_ms=150)
    start_canary(bot, 100)
    bot.openai.model_latency[CANDIDATE] = 0.3
    for n in range(3):
        triage(bot, f"Customer {n}: slow pages everywhere")
    (told,) = wait_until(lambda: aborts_told(bot))
    assert "p95 latency" in told and "TRIAGE_CANARY_MAX_P95_MS" in told
    assert all(t.arm == "candidate" for t in bot.rows(Triage))  # slow, not failed: agents got answers


def _figures(live: ArmReviews, candidate: ArmReviews, **overrides: int | None) -> CanaryFigures:
    values: dict = dict(
        live_triages=100,
        live_failed=0,
        candidate_served=30,
        fallbacks=0,
        candidate_p95_ms=900,
        live_p95_ms=800,
        live_reviews=live,
        candidate_reviews=candidate,
    )
    values.update(overrides)
    return CanaryFigures(**values)


def test_reviewers_abort_only_on_a_significant_difference_with_enough_reviews() -> None:
    rules = AbortRules(min_sample=20, max_error_rate=0.05)
    # 8 of 12 wrong against 1 of 12: significant (Fisher's exact, one-sided).
    assert fisher_greater(8, 12, 1, 12) < 0.01
    (reason,) = abort_reasons(_figures(ArmReviews(12, 1), ArmReviews(12, 8)), rules)
    assert "8 of 12 candidate answers wrong" in reason and "1 of 12 live" in reason
    # The same rates on too few reviews, or a difference that may be chance: no abort.
    assert abort_reasons(_figures(ArmReviews(6, 1), ArmReviews(6, 4)), rules) == []
    assert abort_reasons(_figures(ArmReviews(12, 3), ArmReviews(12, 5)), rules) == []
    # Under the minimum sample nothing fires, whatever the figures.
    assert abort_reasons(_figures(ArmReviews(12, 1), ArmReviews(12, 8), candidate_served=19), rules) == []
    # Latency: twice the live arm's p95 by default.
    (slow,) = abort_reasons(_figures(ArmReviews(0, 0), ArmReviews(0, 0), candidate_p95_ms=1700), rules)
    assert "twice the live model's 800 ms" in slow
    assert abort_reasons(_figures(ArmReviews(0, 0), ArmReviews(0, 0), candidate_p95_ms=1600), rules) == []
    # Twice a few milliseconds is noise: the default also needs the candidate 250 ms slower.
    quick = _figures(ArmReviews(0, 0), ArmReviews(0, 0), candidate_p95_ms=13, live_p95_ms=6)
    assert abort_reasons(quick, rules) == []
    assert abort_reasons(replace(quick, candidate_p95_ms=257), rules) != []
