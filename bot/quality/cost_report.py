"""Cost figures read from the database: per model over a period (`/model status`), per eval run
(the eval gate: candidate against live on the same cases) and all spend of a window (the spend
monitor). Unknown prices stay unknown: None, never zero."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.quality.costs import CostFigures, Price, period_cost, price_for
from storage import costs
from storage.costs import Model, Usage
from storage.db import Database


@dataclass(frozen=True)
class ModelCost:
    endpoint: str
    model_id: str
    figures: CostFigures  # per_correct by the share of right answers, `basis` saying what it rests on

    @property
    def per_triage(self) -> float | None:
        return self.figures.per_call

    @property
    def per_correct(self) -> float | None:
        return self.figures.per_correct

    @property
    def basis(self) -> str:
        return self.figures.basis or "no reviews or eval run"


async def with_right_share(
    session: AsyncSession,
    cost: CostFigures,
    model: Model,
    start: datetime,
    end: datetime,
    reviews: dict[Model, tuple[int, int]] | None = None,
) -> CostFigures:
    """Only a sample of triages is reviewed: a right answer costs a triage's cost divided by the
    share reviewers found right (without reviews, the latest eval pass rate), not all spend divided
    by the few reviewed right."""
    if reviews is None:
        reviews = await costs.review_counts(session, start, end)
    reviewed, right = reviews.get(model, (0, 0))
    if reviewed:
        return replace(cost, right_share=right / reviewed, basis=f"{right}/{reviewed} reviews right")
    run = await costs.latest_pass_rate(session, model)
    if run is not None:
        return replace(cost, right_share=run[0] / run[1], basis=f"eval pass rate {run[0]}/{run[1]}")
    return replace(cost, right_share=0.0)  # nothing says how many are right: per correct unknown


async def model_costs(
    db: Database, prices: Sequence[Price], start: datetime, end: datetime
) -> list[ModelCost]:
    """Each model that triaged live traffic in the period, busiest first: cost per triage and per
    correctly triaged message (see with_right_share)."""
    found = []
    async with db.session() as session:
        usage = await costs.triage_usage(session, start, end)
        reviews = await costs.review_counts(session, start, end)
        for model, used in usage.items():
            figures = period_cost(price_for(prices, model[0], model[1], end.date()), used.as_inputs())
            figures = await with_right_share(session, figures, model, start, end, reviews)
            found.append(ModelCost(model[0], model[1], figures))
    return sorted(found, key=lambda c: -c.figures.calls)


async def run_cost(
    db: Database, prices: Sequence[Price], run_id: int, endpoint: str, model_id: str, day: datetime
) -> CostFigures:
    """An eval run's cost per answered case and per passed case (runs before token counts were
    kept have no counts: unknown)."""
    async with db.session() as session:
        usage = await costs.run_usage(session, run_id)
    return period_cost(price_for(prices, endpoint, model_id, day.date()), usage.as_inputs())


@dataclass(frozen=True)
class Spend:
    total: float | None  # what the priced calls cost; None when calls were made and none could be priced
    calls: int
    unpriced_calls: int
    unpriced_models: list[str]


async def spend(
    session: AsyncSession,
    prices: Sequence[Price],
    start: datetime,
    end: datetime,
    triage_usage: dict[Model, Usage] | None = None,
) -> Spend:
    """All model calls of the window, live, shadow and eval, each at its model's price. Calls of a
    model without a price are counted apart: the total is then a lower bound, said so in words.
    `triage_usage`: the window's live traffic when the caller has read it already (the digest)."""
    if triage_usage is None:
        triage_usage = await costs.triage_usage(session, start, end)
    by_model: dict[Model, Usage] = {}
    for part in (
        triage_usage,
        await costs.shadow_usage(session, start, end),
        await costs.eval_usage(session, start, end),
    ):
        for model, usage in part.items():
            by_model[model] = by_model[model].plus(usage) if model in by_model else usage
    total: float | None = None
    calls = unpriced = 0
    unpriced_models = []
    for (endpoint, model_id), usage in sorted(by_model.items()):
        calls += usage.calls
        figures = period_cost(price_for(prices, endpoint, model_id, end.date()), usage.as_inputs())
        if figures.total is not None:
            total = (total or 0.0) + figures.total
        missing = usage.calls - figures.priced_calls
        if missing:
            unpriced += missing
            unpriced_models.append(model_id)
    if calls == 0:
        total = 0.0  # no call at all: nothing was spent, which is known
    return Spend(total, calls, unpriced, unpriced_models)
