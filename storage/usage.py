"""Per-key usage counters shared by every bot process (per-user rate limits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import UsageCounter


async def count_use(session: AsyncSession, key: str, window_start: datetime) -> int:
    """Add one use of `key` in the window starting at `window_start`; returns the window's count.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: atomic on both dialects, so processes racing
    on the same key each see a distinct count and none is lost.
    """
    dialect = session.bind.dialect.name if session.bind is not None else ""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"usage counters are not implemented for the {dialect!r} database")
    statement = (
        insert(UsageCounter)
        .values(key=key, window_start=window_start, count=1)
        # Both dialects' Insert have it; the lookup above joins their types to the base Insert.
        .on_conflict_do_update(  # type: ignore[attr-defined]
            index_elements=[col(UsageCounter.key), col(UsageCounter.window_start)],
            set_={"count": col(UsageCounter.count) + 1},
        )
        .returning(col(UsageCounter.count))
    )
    count = int((await session.exec(statement)).scalar_one())
    if count == 1:
        # Only the current window matters: when a key opens a new one, drop its older ones, so the
        # table stays small without a second statement on every use (this is on the triage path).
        await session.exec(
            delete(UsageCounter).where(
                col(UsageCounter.key) == key, col(UsageCounter.window_start) < window_start
            )
        )
    return count
