"""Acknowledgements that survive a failure right after them, without waiting.

When a listener raises after acking, Bolt's async runner (slack_bolt/listener/asyncio_runner.py)
hands the error to our error handler and then assigns `ack.response = None`. If its 10 ms poll has
not read the ack yet, Slack gets a 404 ("dispatch_failed") although we did answer. Refusals found
right after the ack (a malformed button value, a non-approver) hit exactly that window.

The ack below keeps its first answer: once `ack()` has produced a response, a later assignment of
None (the only thing Bolt's error path writes after an ack) is ignored, so the poll always finds
the answer, however late it looks. The error handler still runs and tells the user (Bolt passes it
`response=None` for an acknowledged request). No sleep, nothing added to any ack's latency.
Installed once for all listeners by `install_first_answer_ack`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse


class FirstAnswerAck(AsyncAck):
    """An AsyncAck whose response, once given, is never taken back."""

    _answer: BoltResponse | None = None

    @property
    def response(self) -> BoltResponse | None:
        return self._answer

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is None and self._answer is not None:
            return  # Bolt's error path after an ack: the answer already given stands
        self._answer = value


async def install_first_answer_ack(context: dict, next: Callable[[], Awaitable[None]]) -> None:
    """Global middleware: the listener runner reads `context.ack` after middleware has run."""
    context["ack"] = FirstAnswerAck()
    await next()
