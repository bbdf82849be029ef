"""Signed slash commands fired concurrently with aiohttp, timed per request."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

from tests.support.slack_requests import TEAM_ID, SlackSender

FORM = "application/x-www-form-urlencoded"


def command_body(command: str, text: str, response_url: str, n: int) -> bytes:
    """The form Slack posts for a slash command (same fields as SlackSender.command)."""
    form = {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "acme",
        "channel_id": "C0SUPPORT",
        "channel_name": "support",
        # One agent per request number: a few requests per agent per minute over a whole run, far
        # below the per-user triage limit (TRIAGE_RATE_LIMIT_PER_USER), which would otherwise answer
        # "slow down" without calling the model and make the real app look fast.
        "user_id": f"U0AGENT{n:05d}",
        "user_name": "agent",
        "command": command,
        "text": text,
        "api_app_id": "A0TRIAGEBOT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{n}.abc",
    }
    return urlencode(form).encode()


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    started_at: float = 0.0  # time.time() just before the first request went out
    sent_at: dict[int, float] = field(default_factory=dict)  # time.time() each request went out, by number

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, in seconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def fire(
    base_url: str,
    signer: SlackSender,
    bodies: list[bytes],
    concurrency: int,
    *,
    on_answer: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Send every body, at most `concurrency` in flight; each worker sends its share back to back."""
    result = LoadResult()
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(bodies):
        queue.put_nowait(item)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    url = f"{base_url}/slack/events"

    async def worker(session: aiohttp.ClientSession) -> None:
        while True:
            try:
                n, body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            headers = {"Content-Type": FORM, **signer.sign(body)}
            result.sent_at[n] = time.time()
            sent = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - sent)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if on_answer is not None:
                on_answer(n, status)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        result.started_at = time.time()
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - started
    return result
