"""Queries of behaviour snapshots."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Snapshot, SnapshotAnswer, Triage


async def by_name(session: AsyncSession, name: str) -> Snapshot | None:
    return (await session.exec(select(Snapshot).where(col(Snapshot.name) == name))).first()


async def unfinished_of(session: AsyncSession, endpoint: str, model_id: str) -> Snapshot | None:
    stmt = (
        select(Snapshot)
        .where(
            col(Snapshot.endpoint) == endpoint,
            col(Snapshot.model_id) == model_id,
            col(Snapshot.finished_at).is_(None),
        )
        .order_by(col(Snapshot.id).desc())
    )
    return (await session.exec(stmt)).first()


async def latest_finished(
    session: AsyncSession, endpoint: str | None = None, model_id: str | None = None
) -> Snapshot | None:
    stmt = select(Snapshot).where(col(Snapshot.finished_at).is_not(None))
    if endpoint is not None and model_id is not None:
        stmt = stmt.where(col(Snapshot.endpoint) == endpoint, col(Snapshot.model_id) == model_id)
    return (await session.exec(stmt.order_by(col(Snapshot.id).desc()))).first()


async def all_snapshots(session: AsyncSession) -> list[Snapshot]:
    return list((await session.exec(select(Snapshot).order_by(col(Snapshot.id)))).all())


async def answers(
    session: AsyncSession, snapshot_id: int, *, only_pending: bool = False
) -> list[SnapshotAnswer]:
    stmt = select(SnapshotAnswer).where(col(SnapshotAnswer.snapshot_id) == snapshot_id)
    if only_pending:
        stmt = stmt.where(~col(SnapshotAnswer.answered))
    return list((await session.exec(stmt.order_by(col(SnapshotAnswer.id)))).all())


async def answered_count(session: AsyncSession, snapshot_id: int) -> int:
    stmt = select(func.count()).where(
        col(SnapshotAnswer.snapshot_id) == snapshot_id, col(SnapshotAnswer.answered)
    )
    return int((await session.exec(stmt)).one())


async def recent_live_inputs(session: AsyncSession, limit: int, exclude: set[str]) -> list[str]:
    """The newest distinct messages agents triaged (eval traffic has no triage rows)."""
    newest = func.max(col(Triage.id))
    stmt = select(col(Triage.input_text), newest).group_by(col(Triage.input_text)).order_by(newest.desc())
    found: list[str] = []
    for text, _ in (await session.exec(stmt.limit(limit + len(exclude)))).all():
        if text not in exclude:
            found.append(text)
        if len(found) == limit:
            break
    return found
