"""The eval gate's evidence on the approval request (issue 11): a native table of live vs candidate
per field, the paired test's verdict, and the per-class rule that asks for an override on Approve."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from commands.ids import Action, View
from storage.models import Deployment
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import gate_update, with_eval_set
from tests.support.model_requests import CANDIDATE, approvals_bot, click, request_switch
from tests.support.quality_services import script_all
from tests.support.waiting import wait_until


def _table(shown: str) -> list[list[str]]:
    blocks = json.loads(shown)["blocks"]
    (table,) = [b for b in blocks if b["type"] == "table"]
    return [[cell["text"] for cell in row] for row in table["rows"]]


def _lose_the_critical_class(bot: Bot) -> None:
    """Live: right on all but case C. Candidate: right on C but calls the outage (case A) "high":
    the same 3/4 pass rate, and the critical class lost."""
    script_all(bot.openai, LIVE_MODEL, right=True)
    script_all(bot.openai, LIVE_MODEL, right=False, only=["Case C"])
    script_all(bot.openai, CANDIDATE, right=True)
    bot.openai.script_for_model(
        CANDIDATE, "Case A:", {"urgency": "high", "category": "outage", "summary": "s", "next_step": "n"}
    )


def test_a_lost_class_shows_in_the_table_and_approving_asks_for_an_override(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    _lose_the_critical_class(bot)

    request = request_switch(bot)
    shown = gate_update(bot, "recall")
    rows = _table(shown)
    assert rows[0] == ["Figure", "Live", "Candidate", "Reviewers (ceiling)"]
    figures = {row[0]: row[1:] for row in rows}
    assert figures["Urgency accuracy"][1].startswith("75.0% (3/4)")
    assert "n too small" in figures["Urgency accuracy"][1]  # 4 cases: no interval pretended
    assert figures["Recall: urgency critical"] == ["100%", "0%", " "]
    # No triage has two reviewers: the ceiling column says so next to each kappa.
    assert figures["Category kappa"][2] == figures["Urgency kappa (weighted)"][2] == "no second opinions yet"
    assert "Category kappa" in figures
    assert "McNemar" in shown and "1 fixed, 1 broken" in shown
    assert "dropped" in shown and "override" in shown

    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    (opened,) = bot.slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == View.APPROVE_OVERRIDE
    assert len(bot.rows(Deployment)) == 1  # the click alone approves nothing


def test_a_lenient_class_drop_setting_lets_it_through_and_says_none_dropped(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url, triage_gate_max_class_drop=100.0)
    with_eval_set(bot, tmp_path, monkeypatch)
    _lose_the_critical_class(bot)

    request = request_switch(bot)
    shown = gate_update(bot, "meets the bar")
    rows: list[Any] = _table(shown)
    assert ["Recall drops", " ", "none beyond 100 points", " "] in rows
    click(bot, Action.APPROVE_SWITCH, request, "U0LEAD")
    wait_until(lambda: len(bot.rows(Deployment)) == 2)
    assert bot.slack.calls_to("views.open") == []


def test_the_table_shows_cost_per_triage_candidate_against_live_unknown_without_a_price(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the candidate has a price: the live model's cost is unknown, never $0.
    prices = [{"model": CANDIDATE, "input_per_million": 1000.0, "output_per_million": 1000.0}]
    bot = approvals_bot(bot_factory, sqlite_url, triage_prices=prices)
    with_eval_set(bot, tmp_path, monkeypatch)
    _lose_the_critical_class(bot)

    request_switch(bot)
    figures = {row[0]: row[1:] for row in _table(gate_update(bot, "recall"))}
    live, candidate, _ = figures["Cost per triage"]
    assert live.startswith("unknown") and "$0." not in live
    assert candidate.startswith("$") and float(candidate[1:]) > 0
    # 3 of 4 cases passed: a right answer costs 4/3 of an answered case.
    per_correct = float(figures["Cost per correct answer"][1][1:])
    assert per_correct == pytest.approx(float(candidate[1:]) * 4 / 3, rel=0.01)
    assert figures["Cost per correct answer"][0] == "unknown"
