"""Exactly-once bookkeeping: Slack deliveries already seen, and the outbox of decided side effects.

Both rely on one atomic statement rather than read-then-write, so two processes (or two requests
in one process) can never both win: INSERT … ON CONFLICT DO NOTHING for "have we seen this?", and
a conditional UPDATE for "may I send this outbox row?".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.driver import Runner, Statement
from storage.models import OutboxMessage, OutboxStatus, SeenRequest


def _insert(session: AsyncSession, table: Any) -> Any:
    bind = session.bind
    return _dialect_insert(bind.dialect.name if bind is not None else "sqlite")(table)


def _dialect_insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


_REMEMBER = Statement(
    lambda dialect: _dialect_insert(dialect)(SeenRequest)
    .values(key=bindparam("key"), seen_at=bindparam("seen_at"))
    .on_conflict_do_nothing()
    .returning(col(SeenRequest.key))
)


def remember(runner: Runner, key: str, now: datetime) -> bool:
    """Record `key` as seen; False when it already was (by this process or any other)."""
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT … ON CONFLICT here.
    return bool(runner.rows(_REMEMBER, key=key, seen_at=now))


async def forget_seen_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.exec(delete(SeenRequest).where(col(SeenRequest.seen_at) < cutoff))
    return int(result.rowcount or 0)


async def enqueue(
    session: AsyncSession, dedupe_key: str, method: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Add a pending outbox row in the caller's transaction; False if that effect was already queued."""
    statement = (
        _insert(session, OutboxMessage)
        .values(
            dedupe_key=dedupe_key,
            method=method,
            payload=payload,
            status=OutboxStatus.PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        .on_conflict_do_nothing()
        .returning(col(OutboxMessage.id))
    )
    result = await session.exec(statement)
    return result.first() is not None


def _due(now: datetime) -> Any:
    return (
        (col(OutboxMessage.status) == OutboxStatus.PENDING)
        & (col(OutboxMessage.next_attempt_at) <= now)
        & or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now)
    )


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    result = await session.exec(
        select(OutboxMessage.id).where(_due(now)).order_by(col(OutboxMessage.id)).limit(limit)
    )
    return [row for row in result.all() if row is not None]


async def claim(session: AsyncSession, row_id: int, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Take the row for `lease` if it is still due; None when another worker got it first.

    The WHERE clause repeats the due condition, so of two concurrent claims exactly one updates the
    row (PostgreSQL re-checks it after waiting for the other's row lock; SQLite has one writer).
    """
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id, _due(now))
        .values(claimed_until=now + lease)
    )
    if result.rowcount != 1:
        return None
    return await session.get(OutboxMessage, row_id, populate_existing=True)


async def mark_sent(
    session: AsyncSession, row_id: int, now: datetime, result: dict[str, Any] | None = None
) -> None:
    await _settle(session, row_id, status=OutboxStatus.SENT, sent_at=now, result=result)


async def by_key(session: AsyncSession, dedupe_key: str) -> OutboxMessage | None:
    """The queued effect with this key (to find the message an edit refers to)."""
    stmt = select(OutboxMessage).where(col(OutboxMessage.dedupe_key) == dedupe_key)
    return (await session.exec(stmt)).first()


async def defer(session: AsyncSession, row_id: int, until: datetime) -> None:
    """Put a claimed row back for later without counting an attempt: it is waiting, not failing."""
    await _release(session, row_id, next_attempt_at=until)


async def mark_retry(session: AsyncSession, row_id: int, error: str, next_attempt_at: datetime) -> None:
    await _settle(session, row_id, next_attempt_at=next_attempt_at, last_error=error)


async def mark_failed(session: AsyncSession, row_id: int, error: str) -> None:
    await _settle(session, row_id, status=OutboxStatus.FAILED, last_error=error)


async def _release(session: AsyncSession, row_id: int, **values: Any) -> None:
    """End a claim on a row (its lease), setting `values` with it."""
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(claimed_until=None, **values)
    )


async def _settle(session: AsyncSession, row_id: int, **values: Any) -> None:
    """End a claim that was an attempt (sent, failed, or to retry): it counts."""
    await _release(session, row_id, attempts=OutboxMessage.attempts + 1, **values)
