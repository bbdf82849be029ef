"""Queries of canary routing: the active canary, its history, and its triages by arm."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CanaryEvent, CanaryRoute, CanaryState, QualityCheck, Triage, TriageArm


async def active_canary(session: AsyncSession) -> CanaryRoute | None:
    """The one canary every triage is routed by (one read of ix_canary_routes_state)."""
    stmt = (
        select(CanaryRoute)
        .where(col(CanaryRoute.state) == CanaryState.ACTIVE)
        .order_by(col(CanaryRoute.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def latest_canary(session: AsyncSession) -> CanaryRoute | None:
    stmt = select(CanaryRoute).order_by(col(CanaryRoute.id).desc()).limit(1)
    return (await session.exec(stmt)).first()


async def latest_canary_of(session: AsyncSession, endpoint: str, model_id: str) -> CanaryRoute | None:
    stmt = (
        select(CanaryRoute)
        .where(col(CanaryRoute.endpoint) == endpoint, col(CanaryRoute.model_id) == model_id)
        .order_by(col(CanaryRoute.id).desc())
        .limit(1)
    )
    return (await session.exec(stmt)).first()


async def end_canary(
    session: AsyncSession, canary_id: int, state: CanaryState, by: str, reason: str | None, now: datetime
) -> bool:
    """End the canary if it is still active; True when this call ended it (exactly one caller wins)."""
    result = await session.exec(
        update(CanaryRoute)
        .where(col(CanaryRoute.id) == canary_id, col(CanaryRoute.state) == CanaryState.ACTIVE)
        .values(state=state, ended_at=now, ended_by=by, end_reason=reason)
    )
    return bool(result.rowcount)


async def set_percent(session: AsyncSession, canary_id: int, percent: int) -> bool:
    result = await session.exec(
        update(CanaryRoute)
        .where(col(CanaryRoute.id) == canary_id, col(CanaryRoute.state) == CanaryState.ACTIVE)
        .values(percent=percent)
    )
    return bool(result.rowcount)


async def add_event(session: AsyncSession, event: CanaryEvent) -> None:
    session.add(event)
    await session.flush()


async def events(session: AsyncSession, canary_id: int) -> list[CanaryEvent]:
    stmt = select(CanaryEvent).where(col(CanaryEvent.canary_id) == canary_id).order_by(col(CanaryEvent.id))
    return list((await session.exec(stmt)).all())


async def arm_counts(session: AsyncSession, canary_id: int) -> dict[str, int]:
    """The canary's triages by arm (TriageArm values), read from ix_triages_canary_arm_created."""
    stmt = (
        select(Triage.arm, func.count()).where(col(Triage.canary_id) == canary_id).group_by(col(Triage.arm))
    )
    return {str(arm): int(count) for arm, count in (await session.exec(stmt)).all()}


def arm_is(canary_id: int, arm: TriageArm) -> list[ColumnElement[bool]]:
    """The filter of one arm's answered triages during the canary (for percentiles over that window)."""
    return [col(Triage.canary_id) == canary_id, col(Triage.arm) == arm, col(Triage.status) == "ok"]


async def review_counts(session: AsyncSession, canary_id: int) -> dict[str, tuple[int, int]]:
    """Reviewers' verdicts on the canary's answered triages, per arm: (reviews, marked wrong)."""
    stmt = (
        select(Triage.arm, func.count(), func.sum(case((col(QualityCheck.passed).is_(False), 1), else_=0)))
        .join(Triage, col(Triage.id) == col(QualityCheck.triage_id))
        .where(col(Triage.canary_id) == canary_id, col(QualityCheck.kind) == "review")
        .group_by(col(Triage.arm))
    )
    return {str(arm): (int(count), int(wrong or 0)) for arm, count, wrong in (await session.exec(stmt)).all()}


def latency_column() -> Any:
    return col(Triage.latency_ms)


async def arm_failed(session: AsyncSession, canary_id: int, arm: TriageArm) -> int:
    stmt = select(func.count()).where(
        col(Triage.canary_id) == canary_id, col(Triage.arm) == arm, col(Triage.status) != "ok"
    )
    return int((await session.exec(stmt)).one())


async def end_promoted(session: AsyncSession, endpoint: str, model_id: str, by: str, now: datetime) -> None:
    """The live model just became `model_id` (in this transaction): its canary, if running, ends as promoted."""
    canary = await active_canary(session)
    if canary is None or canary.id is None or (canary.endpoint, canary.model_id) != (endpoint, model_id):
        return
    why = "promoted: the candidate is the live model now"
    if await end_canary(session, canary.id, CanaryState.PROMOTED, by, why, now):
        session.add(CanaryEvent(canary_id=canary.id, at=now, action="promoted", by=by, reason=why))
        await session.flush()
