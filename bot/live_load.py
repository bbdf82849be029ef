"""How many agents' requests this process is answering, so background work can wait for a lull.

The shadow's mirrors run on the same cores as the agents' triages. Spread over a burst they take
CPU an agent's triage needs (issue 14: the live path within 10% of routing off); started in a lull
they cost the agents nothing. A mirror waits at most a bound, so steady traffic delays it, never
starves it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass
class _Loop:
    serving: int = 0
    quiet: asyncio.Event = field(default_factory=asyncio.Event)  # set while nothing is served

    def __post_init__(self) -> None:
        self.quiet.set()


class LiveLoad:
    def __init__(self) -> None:
        # Per event loop: an asyncio.Event belongs to the loop that first waits on it.
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Loop] = weakref.WeakKeyDictionary()

    def _here(self) -> _Loop:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Loop()
        return state

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Around the answering of one agent's request: receipt to ack (bot.app), and a triage's work
        until its answer is shown (commands/triage/delivery.py)."""
        state = self._here()
        state.serving += 1
        state.quiet.clear()
        try:
            yield
        finally:
            state.serving -= 1
            if state.serving == 0:
                state.quiet.set()

    async def lull(self, at_most: float) -> None:
        """Return once no agent's request is being answered here, or after `at_most` seconds regardless."""
        state = self._here()
        if state.serving == 0:
            return
        with suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await state.quiet.wait()
