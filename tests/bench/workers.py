"""(d) The real app served with `--workers 2`: `/triage` ack p99, throughput and server CPU per request
(every worker's CPU summed), the same load as the single-process row, on its own SQLite file; and the
100-at-once burst against it (the single-process row is bound by one core's CPU)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tests.bench import ack_latency, model_concurrency
from tests.bench.load import LoadResult, command_body, fire
from tests.bench.stack import SIGNING_SECRET, Stack, bench_env
from tests.bench.triage_cpu import process_tree_cpu_seconds
from tests.support.serve_process import serve_process
from tests.support.slack_requests import SlackSender

WORKERS = 2


@dataclass
class WorkersReport:
    workers: int
    load: LoadResult
    cpu_ms: float
    burst: model_concurrency.ConcurrencyRounds


def run(stack: Stack) -> WorkersReport:
    stack.slack.reset()
    stack.openai.reset()
    env = bench_env(stack.workdir / "workers.db", stack.slack, stack.openai, WEB_CONCURRENCY=str(WORKERS))
    with serve_process(env, stack.workdir, name="workers", startup_seconds=120) as server:
        signer = SlackSender(server.url, SIGNING_SECRET, stack.slack.response_url)
        measured: LoadResult | None = None
        cpu_ms = 0.0
        for phase, count in (("warmup", ack_latency.WARMUP), ("measure", ack_latency.TOTAL)):
            urls = [stack.slack.response_url(f"workers-{phase}-{n}") for n in range(count)]
            bodies = [
                command_body("/triage", f"Customer {n}: I was charged twice", url, n) for n, url in enumerate(urls)
            ]
            tokens = {url.rsplit("/", 1)[1] for url in urls}
            before = process_tree_cpu_seconds(server)
            measured = asyncio.run(fire(server.url, signer, bodies, ack_latency.CONCURRENCY))
            stack.wait_for_deliveries(tokens)
            cpu_ms = (process_tree_cpu_seconds(server) - before) / count * 1000
        burst = model_concurrency.run(stack, server, label="workers-burst")
    assert measured is not None
    return WorkersReport(WORKERS, measured, cpu_ms, burst)
