"""Queries of monitor incidents, their queued messages, and the triages behind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Incident, OutboxMessage, OutboxStatus, QualityCheck, Triage
from storage.statuses import QualityCheckKind
from storage.triages import of_model_between


async def open_incidents(session: AsyncSession) -> dict[str, Incident]:
    """The unresolved incident of each monitor (at most one each)."""
    stmt = select(Incident).where(col(Incident.resolved_at).is_(None)).order_by(col(Incident.id))
    return {incident.monitor: incident for incident in (await session.exec(stmt)).all()}


async def get_incident(session: AsyncSession, incident_id: int) -> Incident | None:
    return await session.get(Incident, incident_id, populate_existing=True)


async def drop_pending_edits(session: AsyncSession, prefix: str, now: datetime) -> int:
    """Forget an incident's edits not yet sent nor being sent: a newer edit shows the newer state,
    and an older one delivered after it (a retried rate limit, say) would turn the message back."""
    stmt = delete(OutboxMessage).where(
        col(OutboxMessage.dedupe_key).startswith(f"{prefix}:update:"),
        col(OutboxMessage.status) == OutboxStatus.PENDING,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
    )
    result = await session.exec(stmt)
    return int(result.rowcount or 0)


async def failed_triages(
    session: AsyncSession, model: tuple[str, str], start: datetime, end: datetime, limit: int
) -> list[Triage]:
    stmt = (
        select(Triage)
        .where(*of_model_between(model, start, end), col(Triage.status) == "failed")
        .order_by(col(Triage.created_at).desc())
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def slowest_triages(
    session: AsyncSession, model: tuple[str, str], start: datetime, end: datetime, limit: int
) -> list[Triage]:
    stmt = (
        select(Triage)
        .where(
            *of_model_between(model, start, end),
            col(Triage.status) == "ok",
            col(Triage.latency_ms).is_not(None),
        )
        .order_by(col(Triage.latency_ms).desc())
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def recent_triages(
    session: AsyncSession, model: tuple[str, str], start: datetime, end: datetime, limit: int
) -> list[Triage]:
    stmt = (
        select(Triage)
        .where(*of_model_between(model, start, end), col(Triage.status) == "ok")
        .order_by(col(Triage.created_at).desc())
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


async def wrong_reviews(
    session: AsyncSession, model: tuple[str, str], start: datetime, end: datetime, limit: int
) -> list[tuple[QualityCheck, Triage]]:
    """Reviews that said the model was wrong, with the triage they judged."""
    stmt = (
        select(QualityCheck, Triage)
        .join(Triage, col(Triage.id) == col(QualityCheck.triage_id))
        .where(
            col(QualityCheck.kind) == QualityCheckKind.REVIEW,
            col(QualityCheck.passed).is_(False),
            col(QualityCheck.endpoint) == model[0],
            col(QualityCheck.model_id) == model[1],
            col(QualityCheck.created_at) >= start,
            col(QualityCheck.created_at) < end,
        )
        .order_by(col(QualityCheck.created_at).desc())
        .limit(limit)
    )
    return [(check, triage) for check, triage in (await session.exec(stmt)).all()]


async def incidents_between(session: AsyncSession, start: datetime, end: datetime) -> list[Incident]:
    """Incidents open at any moment of [start, end): opened before its end, not resolved before its
    start; oldest first."""
    stmt = (
        select(Incident)
        .where(
            col(Incident.opened_at) < end,
            or_(col(Incident.resolved_at).is_(None), col(Incident.resolved_at) >= start),
        )
        .order_by(col(Incident.opened_at), col(Incident.id))
    )
    return list((await session.exec(stmt)).all())
