"""Claiming scheduled runs in `job_runs`: the unique (job_name, scheduled_for) key picks one winner."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.db import Database
from storage.models import JobRun
from storage.statuses import JobRunStatus

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=2)  # doubled after each failed attempt
# A run still "running" this long after its claim died with its process; it may be retried.
STALE_AFTER = timedelta(hours=2)
MAX_ERROR_CHARS = 2000


async def claim(
    db: Database, job_name: str, scheduled_for: datetime, claimed_by: str, now: datetime
) -> JobRun | None:
    """The claimed run, or None when another process already has it."""
    run = JobRun(job_name=job_name, scheduled_for=scheduled_for, claimed_at=now, claimed_by=claimed_by)
    try:
        async with db.transaction() as session:
            session.add(run)
            await session.flush()
    except IntegrityError:
        return None
    return run


async def finish(db: Database, run_id: int, now: datetime, error: str | None = None) -> None:
    async with db.transaction() as session:
        run = await session.get(JobRun, run_id)
        if run is None:
            return
        run.status = JobRunStatus.FAILED if error else JobRunStatus.DONE
        run.error = error[:MAX_ERROR_CHARS] if error else None
        run.finished_at = now
        session.add(run)


def retry_due(run: JobRun, now: datetime) -> bool:
    if run.status == JobRunStatus.RUNNING:
        return run.claimed_at <= now - STALE_AFTER
    backoff = RETRY_AFTER * (2 ** max(0, run.attempts - 1))
    return run.finished_at is not None and run.finished_at <= now - backoff


async def retryable(db: Database, now: datetime) -> list[JobRun]:
    """Failed (or abandoned) runs with attempts left whose back-off has passed."""
    stmt = select(JobRun).where(
        col(JobRun.status).in_((JobRunStatus.FAILED, JobRunStatus.RUNNING)),
        col(JobRun.attempts) < MAX_ATTEMPTS,
        col(JobRun.claimed_at) >= now - timedelta(days=2),
    )
    async with db.session() as session:
        candidates = (await session.exec(stmt)).all()
    return [run for run in candidates if retry_due(run, now)]


async def claim_retry(db: Database, run: JobRun, claimed_by: str, now: datetime) -> bool:
    """Take a failed run for another attempt; the compare-and-set on attempts lets one process win."""
    stmt = (
        update(JobRun)
        .where(
            col(JobRun.id) == run.id,
            col(JobRun.status) == run.status,
            col(JobRun.attempts) == run.attempts,
        )
        .values(status=JobRunStatus.RUNNING, attempts=run.attempts + 1, claimed_by=claimed_by, claimed_at=now)
    )
    async with db.transaction() as session:
        result = await session.exec(stmt)
    if result.rowcount == 1:
        run.attempts += 1
        run.status = JobRunStatus.RUNNING
        return True
    return False


async def last_runs(db: Database, job_names: list[str]) -> dict[str, JobRun]:
    """The latest claimed run of each job."""
    found: dict[str, JobRun] = {}
    async with db.session() as session:
        for name in job_names:
            stmt = (
                select(JobRun)
                .where(col(JobRun.job_name) == name)
                .order_by(col(JobRun.scheduled_for).desc())
                .limit(1)
            )
            run = (await session.exec(stmt)).first()
            if run is not None:
                found[name] = run
    return found
