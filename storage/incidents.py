"""Queries of monitor incidents."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Incident


async def open_incidents(session: AsyncSession) -> dict[str, Incident]:
    """The unresolved incident of each monitor (at most one each)."""
    stmt = select(Incident).where(col(Incident.resolved_at).is_(None)).order_by(col(Incident.id))
    return {incident.monitor: incident for incident in (await session.exec(stmt)).all()}


async def get_incident(session: AsyncSession, incident_id: int) -> Incident | None:
    return await session.get(Incident, incident_id, populate_existing=True)
