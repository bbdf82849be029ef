"""One structured log line per Slack request: which request, who, what, which model, how long, and
the outcome (ok; refused: the user was told why, e.g. bad input or not allowed; error: a model
failure or a bug).

A global middleware opens the record when the request arrives. Bolt runs listeners after every
middleware has returned (and, past the ack, in a background task), so the line is written by the
listener runner's completion hook, once the listener has really finished. The error handler is
wrapped to note which kind of failure it was.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_completion_handler import AsyncListenerCompletionHandler
from slack_bolt.listener.async_listener_error_handler import AsyncListenerErrorHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import log_context
from bot.errors import ModelError, TriagebotError

log = logging.getLogger("triagebot.requests")

RECORD_KEY = "request_log"


@dataclass
class RequestRecord:
    started: float
    fields: dict[str, Any] = field(default_factory=dict)
    written: bool = False


def request_id(body: dict[str, Any], headers: dict[str, Any]) -> str:
    """Slack's own ID where the payload has one, so a log line can be matched with Slack's retries."""
    if body.get("event_id"):
        return str(body["event_id"])
    if body.get("trigger_id"):
        return str(body["trigger_id"])
    timestamp = (headers.get("x-slack-request-timestamp") or [""])[0]
    return f"{timestamp or int(time.time())}-{uuid.uuid4().hex[:8]}"


def request_kind(body: dict[str, Any]) -> str:
    """What was asked: `command /triage`, `action share_triage`, `view_submission reject`…"""
    if body.get("command"):
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {(body.get('event') or {}).get('type', '?')}"
    kind = str(body.get("type") or "unknown")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action {actions[0].get('action_id', '?')}"
    if kind in ("view_submission", "view_closed"):
        return f"{kind} {(body.get('view') or {}).get('callback_id', '?')}"
    if kind in ("message_action", "shortcut"):
        return f"shortcut {body.get('callback_id', '?')}"
    return kind


def request_user(body: dict[str, Any]) -> str | None:
    user = body.get("user_id") or body.get("user") or (body.get("event") or {}).get("user")
    if isinstance(user, dict):
        user = user.get("id")
    return str(user) if user else None


async def open_request_record(
    req: AsyncBoltRequest, body: dict[str, Any], context: dict, next: Callable[[], Awaitable[None]]
) -> None:
    fields: dict[str, Any] = {
        "request_id": request_id(body, req.headers),
        "user": request_user(body),
        "kind": request_kind(body),
    }
    retries = req.headers.get("x-slack-retry-num") or []
    retry = retries[0] if retries else None
    if retry:
        fields["slack_retry"] = retry
    record = RequestRecord(started=time.perf_counter(), fields=fields)
    context[RECORD_KEY] = record
    log_context.open_record(record.fields)
    await next()


def write_line(record: RequestRecord, outcome: str) -> None:
    if record.written:
        return
    record.written = True
    fields = dict(record.fields)
    fields.setdefault("outcome", outcome)
    fields["latency_ms"] = round((time.perf_counter() - record.started) * 1000)
    # Keep the order an operator scans in: id, who, what, model, time, result, then the rest.
    ordered: dict[str, Any] = {k: fields.pop(k) for k in ("request_id", "user", "kind") if k in fields}
    ordered["model_id"] = fields.pop("model_id", None)
    for key in ("latency_ms", "outcome"):
        ordered[key] = fields.pop(key)
    ordered.update(fields)
    log.info("slack request", extra={"fields": ordered})


class WriteOnCompletion(AsyncListenerCompletionHandler):
    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        record = request.context.get(RECORD_KEY)
        if isinstance(record, RequestRecord):
            failed = response is not None and response.status >= 500
            write_line(record, "error" if failed else "ok")


class NoteOutcome(AsyncListenerErrorHandler):
    """Wraps the app's error handler: notes refused/error on the record, then lets it answer the user."""

    def __init__(self, inner: AsyncListenerErrorHandler) -> None:
        self.inner = inner

    async def handle(
        self, error: Exception, request: AsyncBoltRequest, response: BoltResponse | None
    ) -> None:
        record = request.context.get(RECORD_KEY)
        if isinstance(record, RequestRecord):
            # A model failure is ours to fix, not the user's: it counts as an error, not a refusal.
            refused = isinstance(error, TriagebotError) and not isinstance(error, ModelError)
            record.fields["outcome"] = "refused" if refused else "error"
            record.fields["error"] = error.kind if isinstance(error, TriagebotError) else type(error).__name__
        await self.inner.handle(error=error, request=request, response=response)


def register(app: AsyncApp) -> None:
    """Call after `app.error(...)`: the error handler registered there is wrapped, not replaced."""
    app.middleware(open_request_record)
    runner = app.listener_runner
    runner.listener_completion_handler = WriteOnCompletion()
    runner.listener_error_handler = NoteOutcome(runner.listener_error_handler)
