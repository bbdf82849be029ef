"""Which triage results were shared in their channel (at most once each)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import TriageShare


async def claim_share(
    session: AsyncSession, triage_id: int, shared_by: str, channel_id: str | None, now: datetime
) -> bool:
    """Record the share unless one exists; True when this call made it (ON CONFLICT DO NOTHING on
    both dialects, so two clicks racing in two processes make exactly one)."""
    dialect = session.bind.dialect.name if session.bind is not None else ""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"triage shares are not implemented for the {dialect!r} database")
    statement = (
        insert(TriageShare)
        .values(triage_id=triage_id, shared_by=shared_by, channel_id=channel_id, shared_at=now)
        # Both dialects' Insert have it; the lookup above joins their types to the base Insert.
        .on_conflict_do_nothing(index_elements=[col(TriageShare.triage_id)])  # type: ignore[attr-defined]
        .returning(col(TriageShare.triage_id))
    )
    return (await session.exec(statement)).first() is not None


async def get_share(session: AsyncSession, triage_id: int) -> TriageShare | None:
    return await session.get(TriageShare, triage_id, populate_existing=True)


async def release_share(session: AsyncSession, triage_id: int, shared_by: str) -> None:
    await session.exec(
        delete(TriageShare).where(
            col(TriageShare.triage_id) == triage_id, col(TriageShare.shared_by) == shared_by
        )
    )
