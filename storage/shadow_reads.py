"""Shadow pairs read for the monitors: how often the shadowed candidate disagrees with the live
model on the same input, and the disagreeing pairs behind an incident. Kept apart from
storage/routing.py, which owns writing and reviewing the pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Integer, cast, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ShadowPair, ShadowPairStatus, Triage


def _answered_between(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Pairs where both sides answered (a candidate error is not a disagreement: the failure rate
    of the candidate is another figure), recorded in [start, end)."""
    return [
        col(ShadowPair.created_at) >= start,
        col(ShadowPair.created_at) < end,
        col(ShadowPair.status) == ShadowPairStatus.OK,
        col(Triage.status) == "ok",
    ]


def _disagrees() -> ColumnElement[bool]:
    return or_(
        col(ShadowPair.urgency) != col(Triage.urgency), col(ShadowPair.category) != col(Triage.category)
    )


async def disagreement_counts(session: AsyncSession, start: datetime, end: datetime) -> tuple[int, int]:
    """(answered pairs, pairs whose urgency or category differ)."""
    total, differ = (
        await session.exec(
            select(func.count(), func.sum(cast(_disagrees(), Integer)))
            .select_from(ShadowPair)
            .join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
            .where(*_answered_between(start, end))
        )
    ).one()
    return int(total), int(differ or 0)


async def disagreements(
    session: AsyncSession, start: datetime, end: datetime, limit: int
) -> list[tuple[ShadowPair, Triage]]:
    """The newest disagreeing pairs of the window."""
    stmt = (
        select(ShadowPair, Triage)
        .join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
        .where(*_answered_between(start, end), _disagrees())
        .order_by(col(ShadowPair.id).desc())
        .limit(limit)
    )
    return [(pair, triage) for pair, triage in (await session.exec(stmt)).all()]


async def judged_pairs(
    session: AsyncSession, live: tuple[str, str], candidate: tuple[str, str]
) -> dict[str, int]:
    """Shadow pairs of `candidate` against live triages of `live` where both answered: how many agree
    (key "agree"), and the reviewers' verdicts on those that disagree (ShadowVerdict values);
    disagreements nobody judged yet are not counted."""
    where = [
        col(ShadowPair.status) == ShadowPairStatus.OK,
        col(Triage.status) == "ok",
        col(ShadowPair.endpoint) == candidate[0],
        col(ShadowPair.model_id) == candidate[1],
        col(Triage.endpoint) == live[0],
        col(Triage.model_id) == live[1],
    ]
    joined = (
        select(func.count()).select_from(ShadowPair).join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
    )
    agree = (await session.exec(joined.where(*where, ~_disagrees()))).one()
    verdicts = await session.exec(
        select(col(ShadowPair.verdict), func.count())
        .select_from(ShadowPair)
        .join(Triage, col(Triage.id) == col(ShadowPair.triage_id))
        .where(*where, _disagrees(), col(ShadowPair.verdict).is_not(None))
        .group_by(col(ShadowPair.verdict))
    )
    return {"agree": int(agree), **{str(verdict): int(n) for verdict, n in verdicts.all()}}
