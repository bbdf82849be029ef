"""Answering through a response_url with slack_sdk's retry handlers turned on.

Bolt's `respond()` builds an AsyncWebhookClient with only the connection-error retry handler, so
a 429 or 5xx from Slack would lose the answer. Listeners that answer after the ack use `respond`
from here instead; it retries rate limits (honouring Retry-After), server errors and dropped
connections, and raises when Slack still refuses, so the error reaches the log.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.models.blocks import Block
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse

log = logging.getLogger(__name__)

# Seconds per attempt; response URLs answer in milliseconds when Slack is healthy.
RESPONSE_URL_TIMEOUT = 10


# One connection pool per event loop: without it slack_sdk opens a session, a connection and (to
# Slack) a TLS handshake for every single post. Closed by the app on shutdown (close_sessions).
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


class ResponseUrlRefused(Exception):
    """Slack refused a response_url post even after the retries (expired URL, outage, bad payload)."""


class UntrustedResponseUrl(ResponseUrlRefused):
    """The URL does not point at Slack: never post a user's data to it."""


SLACK_HOOKS = ("https", "hooks.slack.com", 443)
# Origins (scheme, host, port) of SLACK_API_URL when it is set to something other than Slack's, as
# in tests and the sandbox whose stand-in serves response URLs too. Filled by the app factory.
_trusted_origins: set[tuple[str, str, int]] = {SLACK_HOOKS}


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or port is None or parts.username or parts.password:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def trust_origin_of(slack_api_url: str) -> None:
    """Accept response URLs on the same origin as SLACK_API_URL (a stand-in's)."""
    origin = _origin(slack_api_url)
    if origin is not None:
        _trusted_origins.add(origin)


def is_slack_url(url: str) -> bool:
    return _origin(url) in _trusted_origins


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def response_url_of(body: dict[str, Any]) -> str | None:
    """The payload's response URL: top level for commands and actions, a list for view submissions."""
    if body.get("response_url"):
        return str(body["response_url"])
    for entry in body.get("response_urls") or []:
        if isinstance(entry, dict) and entry.get("response_url"):
            return str(entry["response_url"])
    return None


async def respond(
    response_url: str,
    *,
    text: str,
    blocks: Sequence[Block | dict[str, Any]] | None = None,
    response_type: str | None = "ephemeral",
    replace_original: bool | None = None,
) -> WebhookResponse:
    if not is_slack_url(response_url):
        # The one sender of response_url posts checks it: a forged payload or modal metadata could
        # otherwise make the bot post a user's data (and its reply) to any server.
        raise UntrustedResponseUrl("refused to post to a response_url that is not Slack's")
    client = AsyncWebhookClient(
        response_url, timeout=RESPONSE_URL_TIMEOUT, session=_session(), retry_handlers=retry_handlers()
    )
    response = await client.send(
        text=text, blocks=blocks, response_type=response_type, replace_original=replace_original
    )
    if not 200 <= response.status_code < 300:
        # The URL itself is a bearer credential for 30 minutes: never log it.
        raise ResponseUrlRefused(
            f"Slack refused the response_url post: HTTP {response.status_code} {response.body[:200]!r}"
        )
    return response


def _session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        # With a session given, slack_sdk takes the timeout from it rather than from `timeout=`.
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT))
        _sessions[loop] = session
    return session


async def close_sessions() -> None:
    """Close the running loop's connection pool (the app does this on shutdown)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()
