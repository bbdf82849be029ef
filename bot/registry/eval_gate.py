"""The eval gate as the registry enforces it: a switch whose candidate has not earned it (below the bar,
worse than the live model, not evaluated yet) is approved only with an override reason.

The comparison itself is the quality domain's (bot/quality/gate.py); the composition root hands the
registry a `GateCheck`, so every caller of `approve` (a click, the CLI, a promotion to come) meets
the same gate and none can bypass it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.errors import Conflict
from bot.registry.views import RequestView


class GateVerdict(Protocol):
    """What the registry needs to know of a comparison; the Slack layer renders the rest of it."""

    @property
    def needs_override(self) -> bool: ...


# The gate for one request; None: no gate applies (a rollback, or no eval set).
GateCheck = Callable[[RequestView], Awaitable[GateVerdict | None]]


async def no_gate(request: RequestView) -> GateVerdict | None:
    return None


class OverrideRequired(Conflict):
    """Approving needs an override reason: `verdict` is the comparison that says why."""

    def __init__(self, request: RequestView, verdict: GateVerdict) -> None:
        super().__init__(
            f"Request #{request.id} is below the eval gate: approving it needs an override reason. "
            "Nothing was changed."
        )
        self.request = request
        self.verdict = verdict
