"""Queries of model shutdown dates: one row per model and source, replaced by each newer reading."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ModelShutdown, ShutdownSource


def _insert(session: AsyncSession) -> Any:
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ModelShutdown)


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
    """Keep the newest reading of this source for this model (its absence included). One atomic
    upsert: `/model status` and the daily job may read the same model at the same moment."""
    values = {"shutdown_date": shutdown_date, "read_at": read_at, "set_by": set_by}
    statement = (
        _insert(session)
        .values(endpoint=endpoint, model_id=model_id, source=source.value, **values)
        .on_conflict_do_update(index_elements=["endpoint", "model_id", "source"], set_=values)
    )
    await session.exec(statement)
    stmt = select(ModelShutdown).where(
        col(ModelShutdown.endpoint) == endpoint,
        col(ModelShutdown.model_id) == model_id,
        col(ModelShutdown.source) == source.value,
    )
    return (await session.exec(stmt.execution_options(populate_existing=True))).one()


async def clear_operator_date(session: AsyncSession, endpoint: str, model_id: str) -> bool:
    result = await session.exec(
        delete(ModelShutdown).where(
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
