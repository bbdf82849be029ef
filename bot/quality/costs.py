"""What a model costs: a price table matched by model-ID pattern (every `ft:` ID of a base gets the
base's fine-tuned price) with effective dates, or a per-second price for self-hosted endpoints.
An unknown price is None, shown as "unknown", never as zero.

TRIAGE_PRICES is a JSON list, most specific first wins:
  [{"model": "ft:gpt-4o-mini-2024-07-18:*", "input_per_million": 0.30, "output_per_million": 1.20,
    "from": "2024-07-18"},
   {"endpoint": "local-vllm", "per_second": 0.0011}]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class Price:
    model: str = "*"  # glob on the model ID
    endpoint: str = "*"  # glob on the endpoint name
    since: date | None = None  # effective from this day (UTC); the newest applicable entry wins
    input_per_million: float | None = None
    output_per_million: float | None = None
    per_second: float | None = None  # self-hosted: what a second of the server costs

    def applies(self, endpoint: str, model_id: str, day: date) -> bool:
        return (
            fnmatchcase(model_id, self.model)
            and fnmatchcase(endpoint, self.endpoint)
            and (self.since is None or self.since <= day)
        )

    @property
    def specificity(self) -> int:
        return len(self.model.replace("*", "")) + len(self.endpoint.replace("*", ""))


def parse_prices(raw: Sequence[Any]) -> list[Price]:
    """Entries from settings; a ValueError names the entry and what is wrong (exit 2 at start-up)."""
    prices = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"entry {number} is not an object")
        unknown = set(entry) - {
            "model",
            "endpoint",
            "from",
            "input_per_million",
            "output_per_million",
            "per_second",
        }
        if unknown:
            raise ValueError(f"entry {number}: unknown field(s) {', '.join(sorted(unknown))}")
        amounts = {k: entry.get(k) for k in ("input_per_million", "output_per_million", "per_second")}
        if all(v is None for v in amounts.values()):
            raise ValueError(f"entry {number}: give input_per_million/output_per_million or per_second")
        for key, value in amounts.items():
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise ValueError(f"entry {number}: {key} must be a number ≥ 0")
        try:
            since = date.fromisoformat(entry["from"]) if entry.get("from") else None
        except (TypeError, ValueError):
            raise ValueError(f"entry {number}: from must be a date, YYYY-MM-DD") from None
        prices.append(
            Price(
                model=str(entry.get("model", "*")),
                endpoint=str(entry.get("endpoint", "*")),
                since=since,
                **{k: (float(v) if v is not None else None) for k, v in amounts.items()},
            )
        )
    return prices


def price_for(prices: Sequence[Price], endpoint: str, model_id: str, day: date) -> Price | None:
    found = [p for p in prices if p.applies(endpoint, model_id, day)]
    if not found:
        return None
    return max(found, key=lambda p: (p.specificity, p.since or date.min))


def call_cost(
    price: Price | None, prompt_tokens: int | None, completion_tokens: int | None, latency_ms: int | None
) -> float | None:
    """One model call's cost in the price table's currency, or None when it cannot be known."""
    if price is None:
        return None
    if price.per_second is not None:
        return None if latency_ms is None else price.per_second * latency_ms / 1000
    if price.input_per_million is None or price.output_per_million is None:
        return None
    if prompt_tokens is None or completion_tokens is None:
        return None
    return (
        prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million
    ) / 1_000_000


@dataclass(frozen=True)
class CostFigures:
    calls: int
    priced_calls: int  # calls whose cost could be known
    total: float | None  # None: no call could be priced
    correct: int  # reviewed right or eval-passed answers in the same period
    # The share of answers that are right when only a sample was judged (reviews): a triage's cost
    # divided by it is what a right answer costs. None: `correct` counts every right answer.
    right_share: float | None = None
    basis: str = ""  # what the share rests on, in words ("3/4 reviews right")

    @property
    def per_call(self) -> float | None:
        return None if self.total is None or not self.priced_calls else self.total / self.priced_calls

    @property
    def per_correct(self) -> float | None:
        if self.right_share is not None:
            per_call = self.per_call
            return None if per_call is None or not self.right_share else per_call / self.right_share
        return None if self.total is None or not self.correct else self.total / self.correct

    def describe(self, currency: str = "$") -> str:
        if self.total is None:
            return "cost unknown (no price set for this model: TRIAGE_PRICES)"
        partial = (
            f" ({self.calls - self.priced_calls} call(s) unpriced)" if self.priced_calls < self.calls else ""
        )
        per_call = f"{currency}{self.per_call:.5f}" if self.per_call is not None else "unknown"
        per_correct = f"{currency}{self.per_correct:.5f}" if self.per_correct is not None else "unknown"
        basis = f" ({self.basis})" if self.basis else ""
        return (
            f"{currency}{self.total:.2f} for {self.calls} call(s){partial}: {per_call} a triage, "
            f"{per_correct} per correct answer{basis}"
        )


def money(value: float | None, currency: str = "$") -> str:
    """An amount as a lead reads it; None is "unknown" (no price), never "$0"."""
    if value is None:
        return "unknown"
    return f"{currency}{value:.2f}" if value >= 1 else f"{currency}{value:.5f}"


def period_cost(price: Price | None, inputs: tuple[int, ...]) -> CostFigures:
    """CostFigures from the digest's sums (see storage.costs.Usage.as_inputs). The price in force at
    the end of the period is applied to all of it: a price change inside one digest period is rare
    and would shift one day's figure, not hide a model's cost."""
    calls, token_calls, prompt, completion, timed, latency_ms, right = inputs
    if price is None or calls == 0:
        return CostFigures(calls, 0, None, right)
    if price.per_second is not None:
        return CostFigures(calls, timed, price.per_second * latency_ms / 1000 if timed else None, right)
    if price.input_per_million is None or price.output_per_million is None or not token_calls:
        return CostFigures(calls, 0, None, right)
    total = (prompt * price.input_per_million + completion * price.output_per_million) / 1_000_000
    return CostFigures(calls, token_calls, total, right)
