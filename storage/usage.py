"""Per-key usage counters shared by every bot process (per-user rate limits, the shadow's daily cap)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete

from storage.driver import Runner, Statement
from storage.models import UsageCounter


def _count(dialect: str) -> Any:
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(UsageCounter)
        .values(key=bindparam("key"), window_start=bindparam("window_start"), count=1)
        .on_conflict_do_update(
            index_elements=[col(UsageCounter.key), col(UsageCounter.window_start)],
            set_={"count": col(UsageCounter.count) + 1},
        )
        .returning(col(UsageCounter.count))
    )


_COUNT = Statement(_count)
_FORGET_OLDER = Statement(
    lambda _dialect: delete(UsageCounter).where(
        col(UsageCounter.key) == bindparam("key"), col(UsageCounter.window_start) < bindparam("window_start")
    )
)


def count_use(runner: Runner, key: str, window_start: datetime) -> int:
    """Add one use of `key` in the window starting at `window_start`; returns the window's count.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: atomic on both dialects, so processes racing
    on the same key each see a distinct count and none is lost.
    """
    ((count,),) = runner.rows(_COUNT, key=key, window_start=window_start)
    if count == 1:
        # Only the current window matters: when a key opens a new one, drop its older ones, so the
        # table stays small without a second statement on every use (this is on the triage path).
        runner.rows(_FORGET_OLDER, key=key, window_start=window_start)
    return int(count)
