"""(c) Shadow routing at 100%: the live path (ack p99, time to result) with a candidate mirroring
every triage, against routing off in the same run on the same server, and the shadow pairs the
candidate recorded for the burst (up to the daily cap).

A p99 of 300 requests is the third slowest: one burst's varies by a third from run to run on this
machine, more than the 10% the target allows. So off and on alternate for a few rounds and the
medians are compared."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from storage.models import ShadowPair
from tests.bench.load import LoadResult, command_body, fire
from tests.bench.quick import pick
from tests.bench.stack import CANDIDATE, LEAD, Stack
from tests.support.serve_process import rows

REQUESTS = pick(300, 100)
ROUNDS = pick(5, 1)  # medians of 5: one burst's p99 varies by a third (see the docstring)
CONCURRENCY = 50
WITHIN = 0.10  # the live path with shadowing on: at most 10% slower than with it off
DAILY_CAP = 2000  # TRIAGE_SHADOW_DAILY_CALLS's default, which the benchmark's app runs with


@dataclass
class LivePath:
    load: LoadResult
    to_result: list[float]  # seconds from each request out to its result at the response_url

    @property
    def ack_p99(self) -> float:
        return self.load.percentile(99)

    @property
    def result_p99(self) -> float:
        ordered = sorted(self.to_result)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)] if ordered else math.nan


@dataclass
class ShadowRound:
    off: LivePath
    on: LivePath
    pairs: int  # shadow pairs recorded for the `on` burst
    pairs_during: int  # of them, recorded before the burst's last live result arrived


@dataclass
class ShadowReport:
    rounds: list[ShadowRound]
    requests: int

    def median(self, figure: Callable[[ShadowRound], float]) -> float:
        return statistics.median(figure(r) for r in self.rounds)


def _live_path(stack: Stack, label: str) -> LivePath:
    urls = [stack.slack.response_url(f"{label}-{n}") for n in range(REQUESTS)]
    bodies = [
        command_body("/triage", f"Shadowed {n}: my invoice is wrong", url, n) for n, url in enumerate(urls)
    ]
    load = asyncio.run(fire(stack.real.url, stack.signer, bodies, CONCURRENCY))
    token_of = {url.rsplit("/", 1)[1]: n for n, url in enumerate(urls)}
    delivered = stack.slack.wait_for(
        "response_url", lambda c: c.params.get("_token") in token_of, timeout=120, count=REQUESTS
    )
    to_result = [c.at - load.sent_at[token_of[c.params["_token"]]] for c in delivered]
    return LivePath(load, to_result)


def _pairs(stack: Stack) -> int:
    return len(rows(f"sqlite:///{stack.workdir / 'bench.db'}", ShadowPair))


def _shadow(stack: Stack, words: str) -> None:
    """`/model shadow …` as an approver; waits for the answer that says it took effect."""
    url = stack.slack.response_url("shadow")
    token = url.rsplit("/", 1)[1]
    response, _ = stack.signer.command("/model", f"shadow {words}", user_id=LEAD, response_url=url)
    response.raise_for_status()
    if not words.startswith("stop"):
        stack.slack.wait_for("response_url", lambda c: c.params.get("_token") == token, timeout=60)


def _round(stack: Stack, n: int) -> ShadowRound:
    stack.slack.reset()
    stack.openai.reset()
    off = _live_path(stack, f"shadow-off-{n}")
    _shadow(stack, f"{CANDIDATE} 100% benchmark")
    before = _pairs(stack)
    try:
        on = _live_path(stack, f"shadow-on-{n}")
        during = _pairs(stack) - before
        # The candidate is asked after each agent has their answer, in the background: wait for it.
        expected = min(REQUESTS, DAILY_CAP)
        deadline = time.monotonic() + 120
        while _pairs(stack) - before < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        pairs = _pairs(stack) - before
    finally:
        _shadow(stack, "stop benchmark done")
    return ShadowRound(off, on, pairs, during)


def run(stack: Stack) -> ShadowReport:
    return ShadowReport([_round(stack, n) for n in range(ROUNDS)], REQUESTS)
