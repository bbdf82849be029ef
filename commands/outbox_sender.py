"""How the outbox worker's queued calls reach Slack: one Web API call each, with Slack's answers
sorted into "try again later" (rate limits, 5xx, connection trouble) and "refused for good"."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox.effects import EPHEMERAL_OR_DM
from bot.outbox.worker import Refused, RetryLater, Send

log = logging.getLogger(__name__)

# Shorter than the worker's lease, so a call never outlives its claim on the row.
CALL_TIMEOUT_SECONDS = 10
# Slack answers these when it is having a bad minute, not because the call is wrong.
_TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def outbox_client(token: str | None, base_url: str) -> AsyncWebClient:
    """No retry handlers: the worker retries with the row's own backoff instead of inside one claim."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=CALL_TIMEOUT_SECONDS)


def slack_sender(client: AsyncWebClient) -> Send:
    async def send(method: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        if method == EPHEMERAL_OR_DM:
            try:
                await call(client, "chat.postEphemeral", payload)
                return None
            except Refused as refused:
                log.info("ephemeral note refused (%s); sending a DM", refused.error)
            await call(client, "chat.postMessage", {"channel": payload["user"], "text": payload["text"]})
            return None
        return await call(client, method, payload)

    return send


async def call(client: AsyncWebClient, method: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's answer (a post's channel and ts are in it), or RetryLater / Refused."""
    try:
        response = await client.api_call(method, json=payload)
        return response.data if isinstance(response.data, dict) else None
    except SlackApiError as exc:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or status >= 500 or error in _TRANSIENT_ERRORS:
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            retry_after = str(headers.get("retry-after", ""))
            raise RetryLater(error, float(retry_after) if retry_after.isdigit() else None) from None
        raise Refused(error) from None
    except (ClientError, TimeoutError, OSError) as exc:
        raise RetryLater(type(exc).__name__) from None
