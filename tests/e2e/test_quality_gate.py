"""The eval gate on /model switch: candidate vs live on the request, and the override modal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from commands.ids import Action, View
from storage.models import Deployment, EvalRun, SwitchRequest
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import gate_update, submit_override, with_eval_set
from tests.support.model_requests import CANDIDATE, approvals_bot, click, request_switch
from tests.support.quality_services import script_all
from tests.support.waiting import wait_until


def test_candidate_meeting_the_bar_is_shown_side_by_side_and_approves_normally(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    script_all(bot.openai, CANDIDATE, right=True)

    request = request_switch(bot)

    shown = gate_update(bot, "meets the bar")
    assert "Eval gate" in shown and CANDIDATE in shown and LIVE_MODEL in shown and "100.0%" in shown
    runs = bot.rows(EvalRun)
    assert sorted((r.model_id, r.trigger) for r in runs) == sorted(
        [(CANDIDATE, "switch_request"), (LIVE_MODEL, "switch_request")]
    )
    (stored,) = bot.rows(SwitchRequest)
    assert stored.candidate_run_id and stored.live_run_id
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    assert bot.slack.calls_to("views.open") == []
    assert max(bot.rows(Deployment), key=lambda d: d.id).override_reason is None
    decided = gate_update(bot, "Approved by")
    assert "Eval gate" in decided and "100.0%" in decided, "the decided request keeps the comparison"


def test_candidate_below_the_live_model_needs_an_override_reason(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case A", "Case B"])

    request = request_switch(bot)
    shown = gate_update(bot, "below the bar")
    assert "50.0%" in shown and "100.0%" in shown

    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    (opened,) = bot.slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == View.APPROVE_OVERRIDE
    assert len(bot.rows(Deployment)) == 1  # nothing approved by the click alone

    refused = submit_override(bot, request, "U0LEAD", "   ")
    assert refused.json()["response_action"] == "errors"  # type: ignore[attr-defined]
    assert len(bot.rows(Deployment)) == 1

    accepted = submit_override(bot, request, "U0LEAD", "Case A/B labels are disputed; ship the latency win")
    assert accepted.status_code == 200  # type: ignore[attr-defined]
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    live = max(bot.rows(Deployment), key=lambda d: d.id)
    assert live.model_id == CANDIDATE and live.approved_by == "U0LEAD"
    assert live.override_reason == "Case A/B labels are disputed; ship the latency win"
    assert [r.status for r in bot.rows(SwitchRequest)] == ["approved"]


def test_absolute_bar_and_a_fresh_live_run_is_reused(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Missing case A loses the critical class outright; this test is about the absolute bar, so the
    # per-class rule (tests/test_gate_table.py) is relaxed here.
    bot = approvals_bot(bot_factory, sqlite_url, triage_quality_bar=0.7, triage_gate_max_class_drop=100.0)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    assert cli.main(["eval", "run"]) == 0  # the live model's run is newer than every case
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case A"])

    request = request_switch(bot)

    shown = gate_update(bot, "meets the bar")
    assert "75.0%" in shown and "TRIAGE_QUALITY_BAR" in shown and "70.0%" in shown
    assert sorted(r.trigger for r in bot.rows(EvalRun)) == ["cli", "switch_request"]
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
