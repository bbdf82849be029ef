"""The sums a price needs, per model: calls, token counts and seconds of model time. Aggregated in
SQL; the prices themselves are applied in bot/quality/cost_report.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import EvalRun, QualityCheck, ShadowPair, Triage

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


async def triage_usage(session: AsyncSession, start: datetime, end: datetime) -> dict[Model, Usage]:
    """Live traffic per model in [start, end), with the reviews in the same period that found its
    answers right."""
    rows = await session.exec(
        select(col(Triage.endpoint), col(Triage.model_id), *_sums(Triage))
        .where(col(Triage.created_at) >= start, col(Triage.created_at) < end)
        .group_by(col(Triage.endpoint), col(Triage.model_id))
    )
    right = dict(
        ((endpoint, model_id), int(n))
        for endpoint, model_id, n in (
            await session.exec(
                select(col(QualityCheck.endpoint), col(QualityCheck.model_id), func.count())
                .where(
                    col(QualityCheck.kind) == "review",
                    col(QualityCheck.passed),
                    col(QualityCheck.created_at) >= start,
                    col(QualityCheck.created_at) < end,
                )
                .group_by(col(QualityCheck.endpoint), col(QualityCheck.model_id))
            )
        ).all()
    )
    return {(row[0], row[1]): _usage(row[2:], right.get((row[0], row[1]), 0)) for row in rows.all()}


async def shadow_usage(session: AsyncSession, start: datetime, end: datetime) -> dict[Model, Usage]:
    """Candidate calls made while shadowing (paid for, never shown to agents)."""
    rows = await session.exec(
        select(col(ShadowPair.endpoint), col(ShadowPair.model_id), *_sums(ShadowPair))
        .where(col(ShadowPair.created_at) >= start, col(ShadowPair.created_at) < end)
        .group_by(col(ShadowPair.endpoint), col(ShadowPair.model_id))
    )
    return {(row[0], row[1]): _usage(row[2:]) for row in rows.all()}


async def eval_usage(session: AsyncSession, start: datetime, end: datetime) -> dict[Model, Usage]:
    """Eval cases answered in [start, end) (errors made no billable answer)."""
    rows = await session.exec(
        select(col(QualityCheck.endpoint), col(QualityCheck.model_id), *_sums(QualityCheck))
        .where(
            col(QualityCheck.kind) == "eval",
            col(QualityCheck.error).is_(None),
            col(QualityCheck.created_at) >= start,
            col(QualityCheck.created_at) < end,
        )
        .group_by(col(QualityCheck.endpoint), col(QualityCheck.model_id))
    )
    return {(row[0], row[1]): _usage(row[2:]) for row in rows.all()}


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
