"""Work still running after its request was answered, so shutdown can wait for it.

Slack needs an answer within 3 s, so listeners ack first and keep working in asyncio tasks (the
model call, the database write, the post to Slack). Uvicorn's graceful shutdown only waits for
open HTTP requests, which are long finished by then: without this registry a SIGTERM during a
deploy would cancel triages whose users were already told "working on it".
"""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)


class InflightWork:
    """The set of background tasks the app started; finished tasks leave it on their own."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def track(self, task: asyncio.Task[object]) -> None:
        if task.done():
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def track_current_task(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.track(task)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for tracked work; returns how many tasks were left unfinished.

        Work started while draining (a listener's own follow-up task) is waited for too.
        """
        deadline = time.monotonic() + seconds
        current = asyncio.current_task()
        while True:
            pending = {task for task in self._tasks if task is not current and not task.done()}
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0:
                break
            log.info("waiting for %d in-flight task(s) to finish before exiting", len(pending))
            await asyncio.wait(pending, timeout=remaining)
        if pending:
            log.warning("exiting with %d in-flight task(s) unfinished after %.0f s", len(pending), seconds)
        return len(pending)
