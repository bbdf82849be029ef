"""One reading per monitor: the value over its window on the live model's traffic, and how many
samples it rests on. Aggregates only; no rows are loaded into Python."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, cast, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.monitors.specs import MonitorSpec
from bot.monitors.stats import category_drift
from bot.quality.cost_report import spend
from bot.quality.costs import Price
from bot.quality.stats import percentiles
from storage import shadow_reads
from storage.models import QualityCheck, Triage
from storage.statuses import QualityCheckKind
from storage.triages import of_model_between

DRIFT_BASELINE = timedelta(days=7)

Model = tuple[str, str]  # (endpoint, model_id)


@dataclass(frozen=True)
class Reading:
    value: float | None
    sample: int
    detail: str = ""


async def failure_rate(session: AsyncSession, model: Model, start: datetime, end: datetime) -> Reading:
    total, failed = (
        await session.exec(
            select(func.count(), func.sum(cast(col(Triage.status) == "failed", Integer))).where(
                *of_model_between(model, start, end)
            )
        )
    ).one()
    total, failed = int(total), int(failed or 0)
    return Reading(failed / total if total else None, total, f"{failed} of {total} triages failed")


async def latency_p95(session: AsyncSession, model: Model, start: datetime, end: datetime) -> Reading:
    where = [*of_model_between(model, start, end), col(Triage.status) == "ok"]
    count = int(
        (await session.exec(select(func.count()).where(*where, col(Triage.latency_ms).is_not(None)))).one()
    )
    (p95,) = await percentiles(session, col(Triage.latency_ms), where, (0.95,), count=count)
    return Reading(None if p95 is None else float(p95), count, f"p95 of {count} answered triages")


async def review_wrong_rate(session: AsyncSession, model: Model, start: datetime, end: datetime) -> Reading:
    total, right = (
        await session.exec(
            select(func.count(), func.sum(cast(col(QualityCheck.passed), Integer))).where(
                col(QualityCheck.kind) == QualityCheckKind.REVIEW,
                col(QualityCheck.endpoint) == model[0],
                col(QualityCheck.model_id) == model[1],
                col(QualityCheck.created_at) >= start,
                col(QualityCheck.created_at) < end,
            )
        )
    ).one()
    total, wrong = int(total), int(total) - int(right or 0)
    return Reading(wrong / total if total else None, total, f"{wrong} of {total} reviews said wrong")


async def _category_counts(
    session: AsyncSession, model: Model, start: datetime, end: datetime
) -> dict[str, int]:
    stmt = (
        select(col(Triage.category), func.count())
        .where(*of_model_between(model, start, end), col(Triage.status) == "ok")
        .group_by(col(Triage.category))
    )
    return {str(category): int(n) for category, n in (await session.exec(stmt)).all() if category}


async def drift(session: AsyncSession, model: Model, start: datetime, end: datetime) -> Reading:
    current = await _category_counts(session, model, start, end)
    baseline = await _category_counts(session, model, start - DRIFT_BASELINE, start)
    test = category_drift(current, baseline)
    n = sum(current.values())
    if test is None or sum(baseline.values()) == 0:
        return Reading(None, 0 if not baseline else n, "no baseline week to compare with yet")
    moved = f"; most changed: {test.biggest_change}" if test.biggest_change else ""
    return Reading(
        test.p_value, n, f"chi-square {test.statistic:.1f} on {test.dof} dof over {n} triages{moved}"
    )


async def shadow_disagreement(session: AsyncSession, model: Model, start: datetime, end: datetime) -> Reading:
    """Of the shadow pairs in the window where both answered, the share whose labels differ. Pairs
    are against whichever model was live when they were made (the live side is the triage row)."""
    total, differ = await shadow_reads.disagreement_counts(session, start, end)
    if not total:
        return Reading(None, 0, "no shadow pairs in the window (nothing shadowed)")
    return Reading(differ / total, total, f"{differ} of {total} shadow pairs disagree")


async def spend_per_day(
    session: AsyncSession, prices: Sequence[Price], start: datetime, end: datetime
) -> Reading:
    found = await spend(session, prices, start, end)
    if found.total is None:
        models = ", ".join(found.unpriced_models[:3])
        return Reading(
            None, found.calls, f"{found.calls} call(s), no price known for {models} (TRIAGE_PRICES)"
        )
    detail = f"{found.calls} model call(s)"
    if found.unpriced_calls:
        # A lower bound still tells a lead the budget is blown; the unpriced part is named.
        detail += f"; at least: {found.unpriced_calls} call(s) of {', '.join(found.unpriced_models[:3])} have no price"
    return Reading(found.total, found.calls, detail)


READERS = {
    "failure_rate": failure_rate,
    "latency_p95": latency_p95,
    "review_wrong_rate": review_wrong_rate,
    "category_drift": drift,
    "shadow_disagreement": shadow_disagreement,
}


async def read(
    session: AsyncSession, spec: MonitorSpec, model: Model, now: datetime, prices: Sequence[Price] = ()
) -> Reading:
    if spec.name == "spend_per_day":  # all models' calls, each at its own price
        return await spend_per_day(session, prices, now - spec.window, now)
    return await READERS[spec.name](session, model, now - spec.window, now)
