"""The digest's SQL: every figure is an aggregate or a handful of rows, never a table scan into Python."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.digest.figures import Regression, ReviewFigures, RunScore, TriageFigures
from bot.quality.stats import percentiles
from storage import triages
from storage.models import Deployment, EvalCase, EvalRun, QualityCheck, Triage
from storage.statuses import EvalRunStatus, QualityCheckKind, TriageStatus

MAX_REGRESSIONS = 5


def _score(run: EvalRun) -> RunScore:
    assert run.id is not None
    return RunScore(
        run.id, run.endpoint, run.model_id, run.finished_at, run.case_count, run.passed_count, run.error_count
    )


# A model is an endpoint plus an ID: the same ID served by another endpoint is another model.
Model = tuple[str, str]  # (endpoint, model_id)


def _is_model(endpoint_column: Any, id_column: Any, model: Model) -> ColumnElement[bool]:
    return and_(endpoint_column == model[0], id_column == model[1])


def _scored() -> list[ColumnElement[bool]]:
    """Runs whose pass rate means something: finished, with cases, and not every case an error
    (a run where nothing answered measures the endpoint's outage, not the model's quality)."""
    return [
        col(EvalRun.status) == EvalRunStatus.FINISHED,
        col(EvalRun.case_count) > 0,
        col(EvalRun.error_count) < col(EvalRun.case_count),
    ]


async def finished_runs(session: AsyncSession, model: Model, limit: int) -> list[RunScore]:
    stmt = (
        select(EvalRun)
        .where(_is_model(col(EvalRun.endpoint), col(EvalRun.model_id), model), *_scored())
        .order_by(col(EvalRun.id).desc())
        .limit(limit)
    )
    return [_score(run) for run in (await session.exec(stmt)).all()]


async def previous_model(session: AsyncSession, live: Deployment) -> Model | None:
    """The model that was live before this one (skipping re-deployments of the same model)."""
    current = (live.endpoint, live.model_id)
    if live.previous_model_id and live.previous_endpoint:
        before = (live.previous_endpoint, live.previous_model_id)
        if before != current:
            return before
    stmt = (
        select(Deployment.endpoint, Deployment.model_id)
        .where(~_is_model(col(Deployment.endpoint), col(Deployment.model_id), current))
        .order_by(col(Deployment.id).desc())
        .limit(1)
    )
    row = (await session.exec(stmt)).first()
    return (row[0], row[1]) if row else None


async def best_other_run(session: AsyncSession, live: Model, since: datetime) -> RunScore | None:
    """Each other model's latest scored run since `since`; the one with the best pass rate."""
    latest = (
        select(func.max(col(EvalRun.id)).label("run_id"))
        .where(
            *_scored(),
            ~_is_model(col(EvalRun.endpoint), col(EvalRun.model_id), live),
            col(EvalRun.started_at) >= since,
        )
        .group_by(col(EvalRun.endpoint), col(EvalRun.model_id))
        .subquery()
    )
    rate = cast(col(EvalRun.passed_count), Integer) * 1.0 / col(EvalRun.case_count)
    stmt = (
        select(EvalRun)
        .join(latest, latest.c.run_id == col(EvalRun.id))
        .order_by(rate.desc(), col(EvalRun.id).desc())
        .limit(1)
    )
    run = (await session.exec(stmt)).first()
    return _score(run) if run else None


async def regressions(
    session: AsyncSession, latest_run: int, baseline_run: int
) -> tuple[int, list[Regression]]:
    """Cases the baseline run passed and the latest run fails: how many, and the first five."""
    now_check, then_check = aliased(QualityCheck), aliased(QualityCheck)
    joined = and_(
        col(then_check.case_id) == col(now_check.case_id),
        col(then_check.run_id) == baseline_run,
        col(then_check.passed),
    )
    where = [col(now_check.run_id) == latest_run, ~col(now_check.passed)]
    count_stmt = select(func.count()).select_from(now_check).join(then_check, joined).where(*where)
    total = int((await session.exec(count_stmt)).one())
    rows_stmt = (
        select(EvalCase, now_check.output, now_check.error)
        .select_from(now_check)
        .join(then_check, joined)
        .join(EvalCase, col(EvalCase.id) == col(now_check.case_id))
        .where(*where)
        .order_by(col(EvalCase.id))
        .limit(MAX_REGRESSIONS)
    )
    found = []
    for case, output, error in (await session.exec(rows_stmt)).all():
        got = error or (f"{output.get('urgency')} / {output.get('category')}" if output else "no answer")
        assert case.id is not None  # a stored row
        found.append(
            Regression(case.id, case.input_text, f"{case.expected_urgency} / {case.expected_category}", got)
        )
    return total, found


async def review_figures(session: AsyncSession, start: datetime, end: datetime) -> list[ReviewFigures]:
    agreed = func.sum(cast(col(QualityCheck.passed), Integer))
    stmt = (
        select(col(QualityCheck.endpoint), col(QualityCheck.model_id), func.count(), agreed)
        .where(
            col(QualityCheck.kind) == QualityCheckKind.REVIEW,
            col(QualityCheck.created_at) >= start,
            col(QualityCheck.created_at) < end,
        )
        .group_by(col(QualityCheck.endpoint), col(QualityCheck.model_id))
        .order_by(func.count().desc())
    )
    return [
        ReviewFigures(m, int(n), int(a or 0), endpoint=e) for e, m, n, a in (await session.exec(stmt)).all()
    ]


async def triage_figures(
    session: AsyncSession, live_model: Model, start: datetime, end: datetime
) -> TriageFigures:
    """Volume, failures and latency percentiles of the live model's triages in the period."""
    in_period = [col(Triage.created_at) >= start, col(Triage.created_at) < end]
    ok = col(Triage.status) == TriageStatus.OK
    live = triages.of_model_between(live_model, start, end)
    volume, failed, timed = (
        await session.exec(
            select(
                func.count(),
                func.sum(cast(col(Triage.status) == TriageStatus.FAILED, Integer)),
                func.sum(cast(and_(ok, col(Triage.latency_ms).is_not(None)), Integer)),
            ).where(*live)
        )
    ).one()
    everyone = (await session.exec(select(func.count()).where(*in_period))).one()
    p50, p95 = await percentiles(session, col(Triage.latency_ms), [*live, ok], count=int(timed or 0))
    return TriageFigures(int(volume), int(failed or 0), int(everyone) - int(volume), p50, p95)


async def eval_runs_between(session: AsyncSession, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).where(col(EvalRun.started_at) >= start, col(EvalRun.started_at) < end)
    return int((await session.exec(stmt)).one())


async def pass_rate_history(session: AsyncSession, since: datetime, limit: int = 500) -> list[RunScore]:
    """Finished runs since `since`, oldest first, for the chart."""
    stmt = (
        select(EvalRun)
        .where(*_scored(), col(EvalRun.started_at) >= since)
        .order_by(col(EvalRun.id).desc())
        .limit(limit)
    )
    return [_score(run) for run in reversed((await session.exec(stmt)).all())]
