"""A canary serves customers, so it meets the eval gate like a switch: below it, Approve opens the
override modal worded for a canary, and nothing is routed until a lead gives a reason (issue 10)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from commands.ids import Action, View
from storage.models import CanaryEvent, CanaryRoute
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.eval_set_setup import gate_update, submit_override, with_eval_set
from tests.support.model_requests import CANDIDATE, approvals_bot, click
from tests.support.quality_services import script_all
from tests.support.routing_requests import LEAD, ask_for_canary
from tests.support.waiting import wait_until


def test_a_canary_below_the_gate_needs_an_override_reason(
    bot_factory: Callable[..., Bot], sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = approvals_bot(bot_factory, sqlite_url)
    with_eval_set(bot, tmp_path, monkeypatch)
    script_all(bot.openai, LIVE_MODEL, right=True)
    script_all(bot.openai, CANDIDATE, right=True)
    script_all(bot.openai, CANDIDATE, right=False, only=["Case A", "Case B"])

    request = ask_for_canary(bot, "20% try it on real tickets")
    gate_update(bot, "below the bar")

    click(bot, Action.APPROVE_SWITCH, request, LEAD)
    (opened,) = bot.slack.wait_for("views.open")
    modal = opened.params["view"]
    assert modal["callback_id"] == View.APPROVE_OVERRIDE
    words = json.dumps(modal)
    assert "Serve 20% of live triages with" in words and "Switch to" not in words
    assert not bot.rows(CanaryRoute)  # the click alone routes nothing

    refused = submit_override(bot, request, LEAD, "  ")
    assert refused.json()["response_action"] == "errors"  # type: ignore[attr-defined]
    assert not bot.rows(CanaryRoute)

    accepted = submit_override(bot, request, LEAD, "Cases A/B are mislabelled; watch the live figures")
    assert accepted.status_code == 200  # type: ignore[attr-defined]
    (canary,) = wait_until(lambda: bot.rows(CanaryRoute))
    assert (canary.model_id, canary.percent, canary.state) == (CANDIDATE, 20, "active")
    assert "eval gate overridden: Cases A/B are mislabelled" in (canary.reason or "")
    assert any(event.canary_id == canary.id for event in bot.rows(CanaryEvent))
