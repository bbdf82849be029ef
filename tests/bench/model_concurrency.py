"""(b) 100 /triage at once against a model that takes 0.5 s per call: how long from the first request
until the last result reached its response_url. Queuing behind a small worker pool would show as
steps of 0.5 s; fully concurrent model calls finish in one step."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tests.bench.load import LoadResult, command_body, fire
from tests.bench.quick import pick
from tests.bench.stack import Stack
from tests.support.serve_process import ServeProcess

REQUESTS = 100
MODEL_LATENCY_SECONDS = 0.5
TARGET_SECONDS = 0.8
ROUNDS = pick(3, 1)  # the figure is the median round: one round is at the mercy of whatever else runs


@dataclass
class ConcurrencyReport:
    requests: int
    acked: int
    delivered: int
    results: int  # deliveries carrying a triage result (not an error message)
    first_to_last_delivery: float  # seconds from the first request out to the last result in
    load: LoadResult


@dataclass
class ConcurrencyRounds:
    rounds: list[ConcurrencyReport]

    @property
    def median(self) -> ConcurrencyReport:
        return sorted(self.rounds, key=lambda r: r.first_to_last_delivery)[len(self.rounds) // 2]


def run(stack: Stack, server: ServeProcess | None = None, label: str = "burst") -> ConcurrencyRounds:
    """The real app's rounds, or another server's (the same-work peer) with `server`."""
    target = server or stack.real
    return ConcurrencyRounds([run_once(stack, n, target, label) for n in range(ROUNDS)])


def run_once(stack: Stack, round_number: int, server: ServeProcess, label: str) -> ConcurrencyReport:
    stack.slack.reset()
    stack.openai.reset()
    stack.openai.latency = MODEL_LATENCY_SECONDS
    try:
        urls = [stack.slack.response_url(f"{label}{round_number}-{n}") for n in range(REQUESTS)]
        bodies = [
            command_body("/triage", f"Burst {n}: the app crashes when I upload a file", url, n)
            for n, url in enumerate(urls)
        ]
        tokens = {url.rsplit("/", 1)[1] for url in urls}
        # All at once: one connection per request, no worker reuse.
        load = asyncio.run(fire(server.url, stack.signer, bodies, REQUESTS))
        delivered = stack.wait_for_deliveries(tokens, timeout=60)
    finally:
        stack.openai.latency = 0.0
    last = max(delivered) if delivered else float("nan")
    return ConcurrencyReport(
        requests=REQUESTS,
        acked=load.ok,
        delivered=len(delivered),
        results=stack.answers_with_blocks(tokens),
        first_to_last_delivery=last - load.started_at,
        load=load,
    )
