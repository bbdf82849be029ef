"""Triage rows as their delivery goes: where each answer reached the agent, and an agent's recent ones."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DeliveryStatus, Triage


async def set_delivery_status(session: AsyncSession, triage_id: int, status: DeliveryStatus) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Triage).where(col(Triage.id) == triage_id).values(delivery_status=status.value)
    )


async def recent_for_user(session: AsyncSession, user_id: str, limit: int) -> list[Triage]:
    """Newest first; served by ix_triages_user_created."""
    result = await session.exec(
        select(Triage)
        .where(col(Triage.user_id) == user_id)
        .order_by(col(Triage.created_at).desc(), col(Triage.id).desc())
        .limit(limit)
    )
    return list(result.all())
