"""Waiting on a condition with a deadline, instead of sleeping and hoping the work is done by then."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.02


def wait_until(condition: Callable[[], T], timeout: float = 5.0) -> T:
    """The condition's first truthy value; fails the test if none comes within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(POLL_SECONDS)
    raise AssertionError("condition not met in time")
