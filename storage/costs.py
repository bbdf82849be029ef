"""The sums a price needs, per model: calls, token counts and seconds of model time. Aggregated in
SQL; the prices themselves are applied in bot/quality/cost_report.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import EvalRun, QualityCheck, ShadowPair, Triage
from storage.statuses import QualityCheckKind

Model = tuple[str, str]  # (endpoint, model_id)


@dataclass(frozen=True)
class Usage:
    """What one model's calls used: the inputs of bot.quality.costs.period_cost."""

    calls: int
    token_calls: int  # calls with both token counts
    prompt_tokens: int
    completion_tokens: int
    timed_calls: int  # calls with a latency
    latency_ms: int
    correct: int = 0  # answers found right (reviewed right, or an eval case passed)

    def as_inputs(self) -> tuple[int, ...]:
        return (
            self.calls,
            self.token_calls,
            self.prompt_tokens,
            self.completion_tokens,
            self.timed_calls,
            self.latency_ms,
            self.correct,
        )

    def plus(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(self.as_inputs(), other.as_inputs(), strict=True)))


def _sums(table: Any) -> tuple[Any, ...]:
    tokens = and_(col(table.prompt_tokens).is_not(None), col(table.completion_tokens).is_not(None))
    return (
        func.count(),
        func.sum(cast(tokens, Integer)),
        func.sum(col(table.prompt_tokens)),
        func.sum(col(table.completion_tokens)),
        func.count(col(table.latency_ms)),
        func.sum(col(table.latency_ms)),
    )


def _usage(row: Any, correct: int = 0) -> Usage:
    calls, token_calls, prompt, completion, timed, latency = (int(v or 0) for v in row)
    return Usage(calls, token_calls, prompt, completion, timed, latency, correct=correct)


async def _triaging_models(session: AsyncSession) -> list[Model]:
    """Every model that has triages, one index seek per model: a GROUP BY over a month of triages
    sorts every row of it (seconds at a million), while this walks the usage index's leading columns."""
    found: list[Model] = []
    model_id = (await session.exec(select(func.min(col(Triage.model_id))))).one()
    while model_id is not None:
        same_model = col(Triage.model_id) == model_id
        endpoint = (await session.exec(select(func.min(col(Triage.endpoint))).where(same_model))).one()
        while endpoint is not None:
            found.append((endpoint, model_id))
            endpoint = (
                await session.exec(
                    select(func.min(col(Triage.endpoint))).where(same_model, col(Triage.endpoint) > endpoint)
                )
            ).one()
        model_id = (
            await session.exec(select(func.min(col(Triage.model_id))).where(col(Triage.model_id) > model_id))
        ).one()
    return found


async def triage_usage(session: AsyncSession, start: datetime, end: datetime) -> dict[Model, Usage]:
    """Live traffic per model in [start, end), with the reviews in the same period that found its
    answers right. Each model's sums are one range of ix_triages_model_endpoint_created_usage."""
    usage: dict[Model, Usage] = {}
    for endpoint, model_id in await _triaging_models(session):
        row = (
            await session.exec(
                select(*_sums(Triage)).where(
                    col(Triage.model_id) == model_id,
                    col(Triage.endpoint) == endpoint,
                    col(Triage.created_at) >= start,
                    col(Triage.created_at) < end,
                )
            )
        ).one()
        if row[0]:
            usage[(endpoint, model_id)] = _usage(row)
    right = dict(
        ((endpoint, model_id), int(n))
        for endpoint, model_id, n in (
            await session.exec(
                select(col(QualityCheck.endpoint), col(QualityCheck.model_id), func.count())
                .where(
                    col(QualityCheck.kind) == QualityCheckKind.REVIEW,
                    col(QualityCheck.passed),
                    col(QualityCheck.created_at) >= start,
                    col(QualityCheck.created_at) < end,
                )
                .group_by(col(QualityCheck.endpoint), col(QualityCheck.model_id))
            )
        ).all()
    )
    return {model: replace(sums, correct=right.get(model, 0)) for model, sums in usage.items()}


async def shadow_usage(session: AsyncSession, start: datetime, end: datetime) -> dict[Model, Usage]:
    """Candidate calls made while shadowing (paid for, never shown to agents)."""
    rows = await session.exec(
        select(col(ShadowPair.endpoint), col(ShadowPair.model_id), *_sums(ShadowPair))
        .where(col(ShadowPair.created_at) >= start, col(ShadowPair.created_at) < end)
        .group_by(col(ShadowPair.endpoint), col(ShadowPair.model_id))
    )
    return {(row[0], row[1]): _usage(row[2:]) for row in rows.all()}


async def eval_usage(session: AsyncSession, start: datetime, end: datetime) -> dict[Model, Usage]:
    """Eval cases answered in [start, end) (errors made no billable answer). The models are the eval
    runs' (a small table); each one's sums are one range of the partial ix_quality_checks_answered_usage,
    whose condition (error IS NULL) this query repeats so the planner may use it."""
    models = (
        await session.exec(select(col(EvalRun.endpoint), col(EvalRun.model_id)).distinct())
    ).all()
    usage: dict[Model, Usage] = {}
    for endpoint, model_id in models:
        row = (
            await session.exec(
                select(*_sums(QualityCheck)).where(
                    col(QualityCheck.kind) == QualityCheckKind.EVAL,
                    col(QualityCheck.error).is_(None),
                    col(QualityCheck.model_id) == model_id,
                    col(QualityCheck.endpoint) == endpoint,
                    col(QualityCheck.created_at) >= start,
                    col(QualityCheck.created_at) < end,
                )
            )
        ).one()
        if row[0]:
            usage[(endpoint, model_id)] = _usage(row)
    return usage


async def run_usage(session: AsyncSession, run_id: int) -> Usage:
    """One eval run's answered cases; `correct` = the cases it passed."""
    row = (
        await session.exec(
            # sqlmodel types select() for up to four columns; SQLAlchemy takes any number.
            select(*_sums(QualityCheck), func.sum(cast(col(QualityCheck.passed), Integer))).where(  # type: ignore[call-overload]
                col(QualityCheck.run_id) == run_id, col(QualityCheck.error).is_(None)
            )
        )
    ).one()
    return _usage(row[:-1], int(row[-1] or 0))


async def review_counts(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[Model, tuple[int, int]]:
    """Reviews per model in [start, end): (reviews, reviews that found the answer right)."""
    rows = await session.exec(
        select(
            col(QualityCheck.endpoint),
            col(QualityCheck.model_id),
            func.count(),
            func.sum(cast(col(QualityCheck.passed), Integer)),
        )
        .where(
            col(QualityCheck.kind) == "review",
            col(QualityCheck.created_at) >= start,
            col(QualityCheck.created_at) < end,
        )
        .group_by(col(QualityCheck.endpoint), col(QualityCheck.model_id))
    )
    return {(e, m): (int(n), int(right or 0)) for e, m, n, right in rows.all()}


async def latest_pass_rate(session: AsyncSession, model: Model) -> tuple[int, int] | None:
    """The model's newest finished run with answers: (passed, cases)."""
    run = (
        await session.exec(
            select(EvalRun)
            .where(
                col(EvalRun.endpoint) == model[0],
                col(EvalRun.model_id) == model[1],
                col(EvalRun.status) == "finished",
                col(EvalRun.case_count) > 0,
            )
            .order_by(col(EvalRun.id).desc())
            .limit(1)
        )
    ).first()
    return None if run is None else (run.passed_count, run.case_count)
