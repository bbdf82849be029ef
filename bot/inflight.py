"""Work still running after its request was answered, so shutdown can wait for it.

Slack needs an answer within 3 s, so listeners ack first and keep working in asyncio tasks (the
model call, the database write, the post to Slack). Uvicorn's graceful shutdown only waits for
open HTTP requests, which are long finished by then: without this registry a SIGTERM during a
deploy would cancel triages whose users were already told "working on it".

Work that cannot finish in time is not dropped silently either: a task may say, while it runs,
what to do if it is cut short (`if_cut_short`), and the drain does that after cancelling it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

log = logging.getLogger(__name__)

CutShort = Callable[[], Awaitable[None]]

# Beyond the model's own budget: backoff between its retries, the database write, and the post to
# Slack (which has retries of its own).
DRAIN_MARGIN_SECONDS = 10.0
# How long the cut-short handlers together may take (a row and a message each).
CUT_SHORT_SECONDS = 10.0

# The registry tracking the running task, set inside that task so its listener can find it.
_tracking: ContextVar[InflightWork | None] = ContextVar("inflight_work", default=None)


def drain_seconds(model_timeout: float, model_max_retries: int) -> float:
    """How long shutdown waits for acknowledged work: every model attempt at its timeout, plus the margin."""
    return model_timeout * (model_max_retries + 1) + DRAIN_MARGIN_SECONDS


def if_cut_short(handler: CutShort | None) -> None:
    """Run `handler` if the current task is still unfinished when shutdown must stop waiting.

    Call again to replace it as the work progresses; None forgets it. Outside tracked work, no-op.
    """
    work, task = _tracking.get(), asyncio.current_task()
    if work is not None and task is not None:
        work.set_cut_short(task, handler)


# Background tasks started outside any tracked work (scripts, direct tests): held so they are not
# garbage-collected mid-run, as asyncio keeps only weak references to tasks.
_untracked: set[asyncio.Task[Any]] = set()


def start_background(work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run `work` in a task of its own, tracked like the task starting it, so shutdown drains it too."""
    task = asyncio.create_task(work)
    registry = _tracking.get()
    if registry is not None:
        registry.track(task)
    else:
        _untracked.add(task)
        task.add_done_callback(_untracked.discard)
    return task


class InflightWork:
    """The set of background tasks the app started; finished tasks leave it on their own."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()
        self._cut_short: dict[asyncio.Task[object], CutShort] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    def track(self, task: asyncio.Task[object]) -> None:
        if task.done():
            return
        self._tasks.add(task)
        task.add_done_callback(self._forget)

    def track_current_task(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.track(task)
            _tracking.set(self)

    def set_cut_short(self, task: asyncio.Task[object], handler: CutShort | None) -> None:
        if handler is None or task.done():
            self._cut_short.pop(task, None)
        else:
            self._cut_short[task] = handler

    def _forget(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        self._cut_short.pop(task, None)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for tracked work; returns how many tasks were left unfinished.

        Work started while draining (a listener's own follow-up task) is waited for too. What is
        still running at the deadline with a cut-short handler is cancelled, and the handler run.
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
            await self._cut(pending)
        return len(pending)

    async def _cut(self, pending: set[asyncio.Task[object]]) -> None:
        """Cancel the unfinished tasks that said what to do when cut short, then do it."""
        # Taken before cancelling: a cancelled task's done-callback forgets its handler.
        cut = {task: self._cut_short[task] for task in pending if task in self._cut_short}
        handlers = list(cut.values())
        for task in cut:
            task.cancel()  # so it cannot also deliver later, racing its handler's message
        if cut:
            await asyncio.wait(cut, timeout=1.0)
        if not handlers:
            return
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*(handler() for handler in handlers), return_exceptions=True),
                CUT_SHORT_SECONDS,
            )
        except TimeoutError:
            log.error(
                "gave up recording %d interrupted task(s) after %.0f s", len(handlers), CUT_SHORT_SECONDS
            )
            return
        failed = [result for result in results if isinstance(result, BaseException)]
        for result in failed:
            log.error("could not record work cut short by shutdown: %s", type(result).__name__)
        log.info("recorded %d unfinished task(s) as cut short", len(handlers) - len(failed))
