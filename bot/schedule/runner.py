"""Running scheduled jobs: claim first, then work; catch up a missed run; retry failed ones."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from datetime import datetime

from bot.cron import latest_fire
from bot.schedule import claims
from bot.schedule.jobs import Job
from storage.db import Database
from storage.models import JobRun

log = logging.getLogger(__name__)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class JobRunner:
    def __init__(self, db: Database, jobs: list[Job], claimed_by: str | None = None) -> None:
        self.db = db
        self.jobs = {job.name: job for job in jobs}
        self.claimed_by = claimed_by or process_name()

    @property
    def active(self) -> list[Job]:
        return [job for job in self.jobs.values() if job.disabled is None]

    async def fire(self, job: Job, now: datetime) -> JobRun | None:
        """Called when the job's time comes: the scheduled time is the latest fire at or before now."""
        scheduled_for = latest_fire(job.trigger, now)
        if scheduled_for is None:
            return None
        return await self.run_once(job, scheduled_for, now)

    async def run_once(self, job: Job, scheduled_for: datetime, now: datetime) -> JobRun | None:
        run = await claims.claim(self.db, job.name, scheduled_for, self.claimed_by, now)
        if run is None:
            log.info("job %s for %s: another process has it", job.name, scheduled_for.isoformat())
            return None
        await self._execute(job, run, now)
        return run

    async def catch_up(self, now: datetime) -> None:
        """At start-up: a run whose time passed while no process was up is made up, once.

        Only for a job that has run before: a first start is not a missed run (a fresh install
        should not post a digest or pay for an eval run the moment it comes up)."""
        last = await claims.last_runs(self.db, [job.name for job in self.active])
        for job in self.active:
            scheduled_for = latest_fire(job.trigger, now)
            previous = last.get(job.name)
            if scheduled_for is None or previous is None or previous.scheduled_for >= scheduled_for:
                continue
            log.info("making up job %s for %s, missed while no process was up", job.name, scheduled_for)
            await self.run_once(job, scheduled_for, now)

    async def retry_failed(self, now: datetime) -> None:
        for run in await claims.retryable(self.db, now):
            job = self.jobs.get(run.job_name)
            if job is None or job.disabled is not None:
                continue
            if await claims.claim_retry(self.db, run, self.claimed_by, now):
                log.info("retrying job %s for %s (attempt %d)", job.name, run.scheduled_for, run.attempts)
                await self._execute(job, run, now)

    async def _execute(self, job: Job, run: JobRun, now: datetime) -> None:
        assert run.id is not None
        try:
            note = await job.run(run.scheduled_for, now)
        except asyncio.CancelledError:
            await asyncio.shield(claims.finish(self.db, run.id, now, "interrupted by shutdown"))
            raise
        except Exception as exc:
            log.exception("job %s for %s failed (attempt %d)", job.name, run.scheduled_for, run.attempts)
            message = getattr(exc, "user_message", None) or f"{type(exc).__name__}: {exc}"
            await claims.finish(self.db, run.id, now, message)
            return
        log.info("job %s for %s: %s", job.name, run.scheduled_for.isoformat(), note)
        await claims.finish(self.db, run.id, now)
