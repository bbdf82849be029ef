"""Triage rows as their delivery goes: where each answer reached the agent, and an agent's recent ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DeliveryStatus, Triage


def of_model_between(model: tuple[str, str], start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """One model's triages (endpoint + ID: the same ID elsewhere is another model) in [start, end).
    The model ID comes first: the covering indexes of the digest and the monitors lead with it."""
    endpoint, model_id = model
    return [
        col(Triage.model_id) == model_id,
        col(Triage.endpoint) == endpoint,
        col(Triage.created_at) >= start,
        col(Triage.created_at) < end,
    ]


async def insert_triage(session: AsyncSession, row: Triage) -> int:
    """Insert `row` (its id unset) and return the new id, leaving `row` itself untouched: a plain
    statement, so a group commit (storage.batch) may run it again after a rollback."""
    # One statement built once, its values passed as parameters: building an INSERT of every column
    # per call (coercing each value) cost more than running it.
    result = await session.exec(_INSERT_TRIAGE, params=row.model_dump(exclude={"id"}))
    return int(result.scalar_one())


_INSERT_TRIAGE = insert(Triage).returning(col(Triage.id))


async def set_delivery_status(session: AsyncSession, triage_id: int, status: DeliveryStatus) -> None:
    await session.exec(
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
