"""Data operations shared by the domain services. Domain rules live in bot/, not here."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Deployment, Triage

# Serialises changes of the live model across processes on PostgreSQL. SQLite needs nothing more:
# write transactions there begin IMMEDIATE, which already admits one writer at a time.
DEPLOYMENT_LOCK_ID = 7_202_612


async def lock_deployments(session: AsyncSession) -> None:
    """Hold the deployment lock until the current transaction ends."""
    bind = session.bind
    if bind is not None and bind.dialect.name == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:id)").bindparams(id=DEPLOYMENT_LOCK_ID))  # type: ignore[call-overload]


async def get_live_deployment(session: AsyncSession) -> Deployment | None:
    result = await session.exec(select(Deployment).order_by(col(Deployment.id).desc()).limit(1))
    return result.first()


async def get_recent_deployments(session: AsyncSession, limit: int) -> list[Deployment]:
    result = await session.exec(select(Deployment).order_by(col(Deployment.id).desc()).limit(limit))
    return list(result.all())


async def add_triage(session: AsyncSession, triage: Triage) -> Triage:
    session.add(triage)
    await session.flush()
    return triage


async def get_triage(session: AsyncSession, triage_id: int) -> Triage | None:
    return await session.get(Triage, triage_id)
