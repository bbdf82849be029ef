"""Data operations shared by the domain services. Domain rules live in bot/, not here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Deployment, SwitchRequest, Triage
from storage.statuses import RequestStatus

# Serialises changes of the live model across processes on PostgreSQL. SQLite needs nothing more:
# write transactions there begin IMMEDIATE, which already admits one writer at a time.
DEPLOYMENT_LOCK_ID = 7_202_612


async def lock_deployments(session: AsyncSession) -> None:
    """Hold the deployment lock until the current transaction ends."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        # sqlmodel types exec() for select/update/delete only; a TextClause runs all the same.
        await session.exec(text("SELECT pg_advisory_xact_lock(:id)").bindparams(id=DEPLOYMENT_LOCK_ID))  # type: ignore[call-overload]


async def get_live_deployment(session: AsyncSession) -> Deployment | None:
    result = await session.exec(select(Deployment).order_by(col(Deployment.id).desc()).limit(1))
    return result.first()


async def get_recent_deployments(session: AsyncSession, limit: int) -> list[Deployment]:
    result = await session.exec(select(Deployment).order_by(col(Deployment.id).desc()).limit(limit))
    return list(result.all())


async def get_switch_request(session: AsyncSession, request_id: int) -> SwitchRequest | None:
    return await session.get(SwitchRequest, request_id, populate_existing=True)


async def get_pending_requests(session: AsyncSession) -> list[SwitchRequest]:
    result = await session.exec(
        select(SwitchRequest)
        .where(col(SwitchRequest.status) == RequestStatus.PENDING)
        .order_by(col(SwitchRequest.id))
    )
    return list(result.all())


async def close_switch_request(
    session: AsyncSession,
    request_id: int,
    *,
    status: RequestStatus,
    decided_by: str | None,
    decided_at: datetime,
    decision_reason: str | None = None,
) -> bool:
    """Move a pending request to `status`; False when it was no longer pending (someone else won)."""
    result = await session.exec(
        update(SwitchRequest)
        .where(col(SwitchRequest.id) == request_id, col(SwitchRequest.status) == RequestStatus.PENDING)
        .values(status=status, decided_by=decided_by, decided_at=decided_at, decision_reason=decision_reason)
    )
    return bool(result.rowcount == 1)


async def add_triage(session: AsyncSession, triage: Triage) -> Triage:
    session.add(triage)
    await session.flush()
    return triage


async def get_triage(session: AsyncSession, triage_id: int) -> Triage | None:
    return await session.get(Triage, triage_id)
