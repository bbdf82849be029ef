"""Queries of the golden eval set: the active cases, their change log, and a run's failed cases."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import EvalCase, EvalCaseChange, QualityCheck


def active_cases_query() -> SelectOfScalar[EvalCase]:
    """The cases an eval run uses: every case not retired, oldest first."""
    return select(EvalCase).where(col(EvalCase.retired_at).is_(None)).order_by(col(EvalCase.id))


async def get_case(session: AsyncSession, case_id: int) -> EvalCase | None:
    return await session.get(EvalCase, case_id, populate_existing=True)


async def changes_of(session: AsyncSession, case_id: int) -> list[EvalCaseChange]:
    stmt = (
        select(EvalCaseChange).where(col(EvalCaseChange.case_id) == case_id).order_by(col(EvalCaseChange.id))
    )
    return list((await session.exec(stmt)).all())


async def failed_checks(
    session: AsyncSession, run_id: int, limit: int
) -> tuple[int, list[tuple[QualityCheck, EvalCase]]]:
    """How many cases of the run failed, and the first `limit` of them with their case."""
    where = [col(QualityCheck.run_id) == run_id, ~col(QualityCheck.passed)]
    total = int((await session.exec(select(func.count()).select_from(QualityCheck).where(*where))).one())
    stmt = (
        select(QualityCheck, EvalCase)
        .join(EvalCase, col(EvalCase.id) == col(QualityCheck.case_id))
        .where(*where)
        .order_by(col(QualityCheck.case_id))
        .limit(limit)
    )
    return total, [(check, case) for check, case in (await session.exec(stmt)).all()]
