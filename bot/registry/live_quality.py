"""What the quality records say of the live model, for the App Home: its newest finished eval run
and how often reviewers agreed with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlmodel import col, func, select

from storage.db import Database
from storage.models import Deployment, EvalRun, QualityCheck
from storage.statuses import EvalRunStatus, QualityCheckKind


@dataclass(frozen=True)
class LatestEval:
    run_id: int
    passed: int
    cases: int
    finished_at: datetime | None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.cases if self.cases else None


@dataclass(frozen=True)
class LiveQuality:
    latest_eval: LatestEval | None  # None: never evaluated (on this endpoint)
    reviews: int  # reviewers' verdicts on this model's triages, all time
    agreed: int  # of which "Correct"

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.reviews if self.reviews else None


async def live_quality(db: Database, live: Deployment) -> LiveQuality:
    """The same model ID on another endpoint is another model: both figures are per endpoint."""
    async with db.session() as session:
        run = (
            await session.exec(
                select(EvalRun)
                .where(
                    col(EvalRun.model_id) == live.model_id,
                    col(EvalRun.endpoint) == live.endpoint,
                    col(EvalRun.status) == EvalRunStatus.FINISHED,
                )
                .order_by(col(EvalRun.id).desc())
                .limit(1)
            )
        ).first()
        reviews, agreed = (
            await session.exec(
                select(
                    func.count(),
                    func.coalesce(func.sum(sql_case((col(QualityCheck.passed), 1), else_=0)), 0),
                ).where(
                    col(QualityCheck.kind) == QualityCheckKind.REVIEW,
                    col(QualityCheck.model_id) == live.model_id,
                    col(QualityCheck.endpoint) == live.endpoint,
                )
            )
        ).one()
    latest = None
    if run is not None and run.id is not None:
        latest = LatestEval(run.id, run.passed_count, run.case_count, run.finished_at)
    return LiveQuality(latest, int(reviews), int(agreed))
