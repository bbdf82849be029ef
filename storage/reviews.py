"""Reviewer verdicts read for agreement: the latest verdict of each reviewer on triages that more
than one reviewer judged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import QualityCheck

REVIEW = "review"


@dataclass(frozen=True)
class ReviewerLabels:
    triage_id: int
    reviewer: str
    check_id: int
    urgency: str  # the label this reviewer vouches for
    category: str


def _labels(check: QualityCheck) -> tuple[str, str]:
    """A confirmation vouches for the model's labels (kept in `output`), a correction for its own."""
    output = check.output or {}
    return (
        check.expected_urgency or str(output.get("urgency") or ""),
        check.expected_category or str(output.get("category") or ""),
    )


async def first_reviewer(session: AsyncSession, triage_id: int) -> str | None:
    """Whose verdict came first on a triage (the one second opinions are measured against)."""
    rows = await session.exec(
        select(QualityCheck.reviewer)
        .where(
            col(QualityCheck.kind) == REVIEW,
            col(QualityCheck.triage_id) == triage_id,
            col(QualityCheck.reviewer).is_not(None),
        )
        .order_by(col(QualityCheck.id))
        .limit(1)
    )
    return rows.first()


async def multi_reviewed(session: AsyncSession) -> list[ReviewerLabels]:
    """Every reviewer's latest verdict (highest ID: a changed mind replaces the earlier one) on the
    triages at least two different reviewers judged, ordered by triage, then by first verdict."""
    shared = (
        select(col(QualityCheck.triage_id))
        .where(col(QualityCheck.kind) == REVIEW, col(QualityCheck.reviewer).is_not(None))
        .group_by(col(QualityCheck.triage_id))
        .having(func.count(func.distinct(col(QualityCheck.reviewer))) >= 2)
    )
    rows = await session.exec(
        select(QualityCheck)
        .where(col(QualityCheck.kind) == REVIEW, col(QualityCheck.triage_id).in_(shared))
        .order_by(col(QualityCheck.triage_id), col(QualityCheck.id))
    )
    latest: dict[tuple[int, str], QualityCheck] = {}
    for check in rows.all():
        if check.triage_id is not None and check.reviewer:
            latest[(check.triage_id, check.reviewer)] = check
    found = []
    for (triage_id, reviewer), check in latest.items():
        assert check.id is not None
        urgency, category = _labels(check)
        found.append(ReviewerLabels(triage_id, reviewer, check.id, urgency, category))
    return sorted(found, key=lambda r: (r.triage_id, r.check_id))
