"""What one member may cost: a per-user limit on triages (each one is a model call).

Counted in the database, so every bot process shares the same budget; a fixed one-minute window
keeps it to one row per user per minute.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from bot.errors import TriagebotError
from storage import batch
from storage.db import Database
from storage.usage import count_use

WINDOW = timedelta(minutes=1)


class RateLimited(TriagebotError):
    """Over the per-user limit; `wait_seconds` says when the next attempt will be accepted."""

    kind = "rate_limited_user"

    def __init__(self, limit: int, wait_seconds: int) -> None:
        super().__init__(
            f"You have run {limit} triages in the last minute, the most one person may "
            f"(TRIAGE_RATE_LIMIT_PER_USER). Try again in {wait_seconds} second{'s' if wait_seconds != 1 else ''}."
        )
        self.limit = limit
        self.wait_seconds = wait_seconds


def window_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(second=0, microsecond=0)


class TriageLimits:
    def __init__(self, db: Database, *, per_minute: int) -> None:
        self.db = db
        self.per_minute = per_minute  # 0: no limit

    async def check_triage_allowed(self, user_id: str, *, now: datetime | None = None) -> None:
        """Count this triage against `user_id`'s minute, or raise RateLimited with the wait."""
        if self.per_minute <= 0:
            return
        now = now or datetime.now(UTC)
        start = window_start(now)
        key = f"triage:{user_id}"
        used = await batch.write(self.db, lambda runner: count_use(runner, key, start))
        if used > self.per_minute:
            wait = max(1, math.ceil((start + WINDOW - now).total_seconds()))
            raise RateLimited(self.per_minute, wait)
