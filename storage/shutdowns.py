"""Queries of model shutdown dates: one row per model and source, replaced by each newer reading."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ModelShutdown, ShutdownSource


async def record(
    session: AsyncSession,
    endpoint: str,
    model_id: str,
    shutdown_date: date | None,
    source: ShutdownSource,
    *,
    read_at: datetime,
    set_by: str | None = None,
) -> ModelShutdown:
    """Keep the newest reading of this source for this model (its absence included)."""
    stmt = select(ModelShutdown).where(
        col(ModelShutdown.endpoint) == endpoint,
        col(ModelShutdown.model_id) == model_id,
        col(ModelShutdown.source) == source.value,
    )
    row = (await session.exec(stmt)).first()
    if row is None:
        row = ModelShutdown(endpoint=endpoint, model_id=model_id, source=source.value, read_at=read_at)
    row.shutdown_date, row.read_at, row.set_by = shutdown_date, read_at, set_by
    session.add(row)
    await session.flush()
    return row


async def clear_operator_date(session: AsyncSession, endpoint: str, model_id: str) -> bool:
    result = await session.exec(
        delete(ModelShutdown).where(  # type: ignore[call-overload]
            col(ModelShutdown.endpoint) == endpoint,
            col(ModelShutdown.model_id) == model_id,
            col(ModelShutdown.source) == ShutdownSource.OPERATOR.value,
        )
    )
    return bool(result.rowcount)


async def all_dates(session: AsyncSession) -> list[ModelShutdown]:
    stmt = select(ModelShutdown).order_by(col(ModelShutdown.endpoint), col(ModelShutdown.model_id))
    return list((await session.exec(stmt)).all())


async def of_model(session: AsyncSession, endpoint: str, model_id: str) -> list[ModelShutdown]:
    stmt = select(ModelShutdown).where(
        col(ModelShutdown.endpoint) == endpoint, col(ModelShutdown.model_id) == model_id
    )
    return list((await session.exec(stmt)).all())
