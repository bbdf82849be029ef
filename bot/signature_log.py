"""Why a Slack request was refused as unsigned, and a log of it that a flood cannot fill.

A 401 used to leave no trace, so a wrong SLACK_SIGNING_SECRET looked like Slack never calling.
One WARNING line per reason at most every `interval` seconds; the next line says how many were
left out meanwhile. The signature itself is never logged: with its body it is what a replay needs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Slack's own replay window (slack_sdk checks the same five minutes).
MAX_AGE_SECONDS = 60 * 5


# slack_sdk's SignatureVerifier.is_valid(body, timestamp, signature), passed in by the app factory.
SignatureCheck = Callable[[bytes, str, str], bool]


def refusal_reason(
    is_valid: SignatureCheck, body: bytes, headers: Mapping[str, str], now: float
) -> str | None:
    """None for a valid request, otherwise why it is not (never quoting the signature)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp, signature = lowered.get("x-slack-request-timestamp"), lowered.get("x-slack-signature")
    if not timestamp or not signature:
        return "missing signature headers"
    if not timestamp.strip().isdigit():
        return "malformed timestamp"
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return "timestamp older than 5 minutes (replay window, or this host's clock is off)"
    try:
        valid = is_valid(body, timestamp, signature)
    except (ValueError, TypeError):  # a non-ASCII signature, a non-UTF-8 body
        valid = False
    return None if valid else "signature does not match (is SLACK_SIGNING_SECRET this app's?)"


@dataclass
class RateLimitedWarnings:
    """At most one line per reason per `interval` seconds, counting the ones left out."""

    logger: logging.Logger
    interval: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _last: dict[str, float] = field(default_factory=dict)
    _suppressed: dict[str, int] = field(default_factory=dict)

    def warn(self, template: str, reason: str) -> bool:
        """Log `template % reason` unless this reason was logged under `interval` ago. True if logged."""
        now = self.clock()
        last = self._last.get(reason)
        if last is not None and now - last < self.interval:
            self._suppressed[reason] = self._suppressed.get(reason, 0) + 1
            return False
        self._last[reason] = now
        left_out = self._suppressed.pop(reason, 0)
        line = template % reason
        if left_out and last is not None:
            line += f" (and {left_out} more like it in the last {now - last:.0f} s)"
        self.logger.warning(line)
        return True
