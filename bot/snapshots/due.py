"""The scheduled snapshot: freeze the live model's behaviour while it still answers, once it is within
TRIAGE_SNAPSHOT_DAYS_BEFORE_SHUTDOWN days of its shutdown date and has no snapshot newer than a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.model_client import ModelClient
from bot.shutdowns import LIVE, Countdown
from bot.snapshots.record import Recording, record
from storage import snapshots
from storage.db import Database

FRESH_FOR = timedelta(days=7)
SCHEDULE_USER = "schedule"


@dataclass(frozen=True)
class SnapshotDecision:
    due: bool
    why: str  # for the job's log line


async def snapshot_due(
    db: Database, found: list[Countdown], now: datetime, days_before: int
) -> SnapshotDecision:
    live = next((c for c in found if LIVE in c.roles), None)
    if live is None:
        return SnapshotDecision(False, "no live model")
    left = live.days_left(now)
    if left is None:
        return SnapshotDecision(False, f"{live.model_id} has no known shutdown date")
    if left <= 0:
        return SnapshotDecision(False, f"{live.model_id} is past its shutdown date: it no longer answers")
    if left > days_before:
        return SnapshotDecision(
            False, f"{live.model_id} shuts down in {left} days (snapshot from {days_before})"
        )
    async with db.session() as session:
        newest = await snapshots.latest_finished(session, live.endpoint, live.model_id)
    if newest is not None and newest.created_at > now - FRESH_FOR:
        return SnapshotDecision(False, f"snapshot #{newest.id} of {live.model_id} is less than a week old")
    return SnapshotDecision(True, f"{live.model_id} shuts down in {left} days")


async def record_live_if_due(
    db: Database,
    models: ModelClient,
    found: list[Countdown],
    now: datetime,
    *,
    days_before: int,
    categories: list[str],
    concurrency: int,
) -> tuple[SnapshotDecision, Recording | None]:
    decision = await snapshot_due(db, found, now, days_before)
    if not decision.due:
        return decision, None
    live = next(c for c in found if LIVE in c.roles)
    done = await record(
        db,
        models,
        live.endpoint,
        live.model_id,
        by=SCHEDULE_USER,
        categories=categories,
        concurrency=concurrency,
        name=f"{live.model_id} on {live.endpoint}, before its shutdown {now:%Y-%m-%d}"[:128],
        now=now,
    )
    return decision, done
