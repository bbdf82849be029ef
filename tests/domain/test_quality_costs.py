"""Cost per model (issue 11): prices matched by pattern and date; unknown is unknown, never zero."""

from __future__ import annotations

from datetime import date

import pytest

from bot.quality.costs import CostFigures, call_cost, parse_prices, price_for

PRICES = parse_prices(
    [
        {"model": "ft:gpt-4o-mini-2024-07-18:*", "input_per_million": 0.30, "output_per_million": 1.20},
        {
            "model": "ft:gpt-4o-mini-2024-07-18:*",
            "input_per_million": 0.20,
            "output_per_million": 0.80,
            "from": "2026-12-01",
        },
        {"model": "ft:gpt-4o-mini-2024-07-18:acme:*", "input_per_million": 0.25, "output_per_million": 1.00},
        {"endpoint": "local-vllm", "per_second": 0.002},
    ]
)
FT = "ft:gpt-4o-mini-2024-07-18:other:triage:x1"


def test_every_fine_tune_of_a_base_gets_its_price_and_the_newest_effective_one_wins() -> None:
    before = price_for(PRICES, "openai", FT, date(2026, 11, 25))
    after = price_for(PRICES, "openai", FT, date(2026, 12, 2))
    assert before is not None and before.input_per_million == 0.30
    assert after is not None and after.input_per_million == 0.20
    acme = price_for(PRICES, "openai", "ft:gpt-4o-mini-2024-07-18:acme:triage:y2", date(2026, 11, 25))
    assert acme is not None and acme.input_per_million == 0.25  # the more specific pattern


def test_call_costs_by_tokens_or_by_server_seconds_and_unknown_stays_unknown() -> None:
    price = price_for(PRICES, "openai", FT, date(2026, 11, 25))
    assert call_cost(price, 1000, 100, 900) == pytest.approx((1000 * 0.30 + 100 * 1.20) / 1_000_000)
    vllm = price_for(PRICES, "local-vllm", "my-lora", date(2026, 11, 25))
    assert call_cost(vllm, None, None, 1500) == pytest.approx(0.003)
    assert price_for(PRICES, "azure", "gpt-4o-prod", date(2026, 11, 25)) is None
    assert call_cost(None, 1000, 100, 900) is None
    assert call_cost(price, None, 100, 900) is None  # no usage reported: not "free"


def test_figures_per_triage_and_per_correct_answer() -> None:
    figures = CostFigures(calls=10, priced_calls=8, total=0.04, correct=5)
    assert figures.per_call == pytest.approx(0.005) and figures.per_correct == pytest.approx(0.008)
    assert "(2 call(s) unpriced)" in figures.describe()
    assert CostFigures(3, 0, None, 1).describe().startswith("cost unknown")
    assert CostFigures(3, 3, 0.01, 0).per_correct is None


def test_bad_price_entries_are_named() -> None:
    with pytest.raises(ValueError, match="entry 1: give input_per_million"):
        parse_prices([{"model": "x"}])
    with pytest.raises(ValueError, match="entry 2: from must be a date"):
        parse_prices([{"per_second": 1}, {"per_second": 1, "from": "soon"}])
    with pytest.raises(ValueError, match="unknown field"):
        parse_prices([{"per_second": 1, "currency": "EUR"}])
