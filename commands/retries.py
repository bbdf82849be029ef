"""Slack re-sends an event whose acknowledgement came late. The first delivery is still being
handled (here or on another replica), so a retry for that reason is acknowledged and dropped:
otherwise a mention under load would be triaged, recorded and answered twice. Retries after an
error or a failed connection are handled, since the first attempt may never have arrived."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)


async def drop_timeout_retries(
    req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse | None]]
) -> BoltResponse | None:
    reason = (req.headers.get("x-slack-retry-reason") or [""])[0]
    if reason == "http_timeout":
        attempt = (req.headers.get("x-slack-retry-num") or ["?"])[0]
        log.info("ignored Slack's retry %s of an event already being handled", attempt)
        return BoltResponse(status=200, body="")
    return await next()
