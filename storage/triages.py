"""Triage rows as their delivery goes: where each answer reached the agent, and an agent's recent ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.driver import Runner, Statement
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


_TRIAGE_COLUMNS = tuple(column.name for column in Triage.__table__.columns if column.name != "id")  # type: ignore[attr-defined]
_INSERT_TRIAGE = Statement(
    lambda _dialect: insert(Triage)
    .values({name: bindparam(name) for name in _TRIAGE_COLUMNS})
    .returning(col(Triage.id))
)
_SET_DELIVERY_STATUS = Statement(
    lambda _dialect: update(Triage)
    .where(col(Triage.id) == bindparam("triage_id"))
    .values(delivery_status=bindparam("delivery_status"))
)


def insert_triage(runner: Runner, row: Triage) -> int:
    """Insert `row` (its id unset) and return the new id, leaving `row` itself untouched: a plain
    statement, so a group commit (storage.batch) may run it again after a rollback."""
    values = {name: getattr(row, name) for name in _TRIAGE_COLUMNS}
    ((triage_id,),) = runner.rows(_INSERT_TRIAGE, **values)
    return int(triage_id)


def set_delivery_status(runner: Runner, triage_id: int, status: DeliveryStatus) -> None:
    runner.rows(_SET_DELIVERY_STATUS, triage_id=triage_id, delivery_status=status.value)


async def recent_for_user(session: AsyncSession, user_id: str, limit: int) -> list[Triage]:
    """Newest first; served by ix_triages_user_created."""
    result = await session.exec(
        select(Triage)
        .where(col(Triage.user_id) == user_id)
        .order_by(col(Triage.created_at).desc(), col(Triage.id).desc())
        .limit(limit)
    )
    return list(result.all())
