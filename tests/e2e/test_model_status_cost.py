"""Cost per model in /model status (issue 11): per triage and per correctly triaged message, from
TRIAGE_PRICES; a model without a price is unknown, never $0."""

from __future__ import annotations

from collections.abc import Callable

from commands.ids import Action
from tests.support.app_under_test import LIVE_MODEL, Bot
from tests.support.model_requests import ask
from tests.support.review_requests import triage_and_get_buttons


def test_status_shows_cost_per_triage_and_per_correct_message(
    bot_factory: Callable[..., Bot], sqlite_url: str
) -> None:
    prices = [{"model": "ft:gpt-4o-mini-2024-07-18:*", "input_per_million": 300.0, "output_per_million": 1200.0}]
    bot = bot_factory(sqlite_url, triage_prices=prices)
    first = triage_and_get_buttons(bot)[Action.REVIEW_CORRECT]
    second = triage_and_get_buttons(bot, "I was charged twice for my plan this month")[Action.REVIEW_WRONG]
    bot.send.block_action(Action.REVIEW_CORRECT, first, user_id="U0LEAD")
    bot.slack.wait_for("response_url", lambda c: "Recorded" in str(c.params.get("text")))
    assert second  # the second triage stays unreviewed: reviews are a sample

    shown = ask(bot, "status")
    assert "Cost, last 7 days" in shown
    line = next(part for part in shown.split("\\n") if LIVE_MODEL in part and "a triage" in part)
    assert "(live)" in line and "1/1 reviews right" in line and "2 triages" in line
    per_triage = float(line.split(": $")[1].split(" ")[0])
    per_correct = float(line.split(", $")[1].split(" ")[0])
    assert per_triage > 0 and per_correct == per_triage  # every reviewed answer was right


def test_status_says_unknown_without_a_price(bot_factory: Callable[..., Bot], sqlite_url: str) -> None:
    bot = bot_factory(sqlite_url)
    triage_and_get_buttons(bot)
    shown = ask(bot, "status")
    assert "unknown, no price in `TRIAGE_PRICES` (1 triages)" in shown and "$0" not in shown
