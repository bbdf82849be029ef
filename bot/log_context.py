"""What the request being handled has learned so far, for its one structured log line.

The request log (commands/request_log.py) opens a record per Slack request; domain code adds what
only it knows (the model that answered) with `note()`, without knowing anything about Slack.
A ContextVar carries the record into the listener's background task, which asyncio creates with
a copy of the request's context.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_current: ContextVar[dict[str, Any] | None] = ContextVar("triagebot_request_fields", default=None)


def open_record(fields: dict[str, Any]) -> None:
    """Make `fields` the record that `note()` adds to in this context (and tasks started from it)."""
    _current.set(fields)


def note(**fields: Any) -> None:
    """Add fields to the current request's log line; a no-op outside a request (CLI, scheduler)."""
    record = _current.get()
    if record is not None:
        record.update(fields)
