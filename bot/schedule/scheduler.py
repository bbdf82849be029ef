"""APScheduler 3 in the bot's event loop, without job stores: every process defines the same jobs
from configuration, and `job_runs` claims make each firing happen once across processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.schedule.deps import JobDeps
from bot.schedule.jobs import Job, configured_jobs
from bot.schedule.runner import JobRunner

log = logging.getLogger(__name__)

RETRY_CHECK_SECONDS = 60
# On shutdown, how long a job already under way (an eval run, a digest post) may take to finish;
# cutting a digest off between its post and its bookkeeping would post it again on retry.
DRAIN_SECONDS = 20.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobScheduler:
    def __init__(self, runner: JobRunner, *, retry_seconds: float = RETRY_CHECK_SECONDS) -> None:
        self.runner = runner
        self.retry_seconds = retry_seconds
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        """Needs a running event loop; made-up runs start in the background, never delaying start-up."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        for job in self.runner.jobs.values():
            if job.disabled is not None:
                log.info("job %s is not scheduled: %s", job.name, job.disabled)
                continue
            scheduler.add_job(
                self._fire,
                job.trigger,
                args=[job],
                id=job.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,  # a busy loop delays a firing; it must not drop it
            )
        scheduler.add_job(self._retry, IntervalTrigger(seconds=self.retry_seconds), id="retry_failed_runs")
        scheduler.start()
        self._scheduler = scheduler
        self._spawn(self.runner.catch_up(utcnow()))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Claiming itself failed (database down): the next firing or the retry job tries again.
            log.error("scheduled job failed before it could record itself", exc_info=task.exception())

    async def _fire(self, job: Job) -> None:
        # Our own task, not APScheduler's: its executor cancels running jobs when it shuts down.
        self._spawn(self.runner.fire(job, utcnow()))

    async def _retry(self) -> None:
        self._spawn(self.runner.retry_failed(utcnow()))

    async def shutdown(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=drain_seconds)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def start_scheduler(deps: JobDeps) -> JobScheduler:
    scheduler = JobScheduler(JobRunner(deps.db, configured_jobs(deps)))
    scheduler.start()
    return scheduler
