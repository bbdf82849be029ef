"""(a) Ack latency and throughput at 50 concurrent requests, real app beside the bare Bolt app;
(d) the real app's peak memory under that load."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tests.bench.load import LoadResult, command_body, fire
from tests.bench.stack import Stack
from tests.support.serve_process import ServeProcess

CONCURRENCY = 50
TOTAL = 500
WARMUP = 100
P99_TARGET_SECONDS = 0.300
THROUGHPUT_RATIO_TARGET = 0.5
COMMANDS = (("/triage", "Customer {n}: I was charged twice for my subscription"), ("/model", "status"))


@dataclass
class AckFigures:
    command: str
    bare: LoadResult
    real: LoadResult
    bare_cpu_ms: float  # server CPU per request, including work done after the ack
    real_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.real.throughput / self.bare.throughput if self.bare.throughput else 0.0


@dataclass
class AckReport:
    figures: list[AckFigures]
    peak_rss_kib: int | None
    bare_peak_rss_kib: int | None
    undelivered: int  # background answers (result via response_url) that never arrived


def _bodies(
    stack: Stack, command: str, template: str, count: int, label: str
) -> tuple[list[bytes], set[str]]:
    urls = [stack.slack.response_url(f"{label}{n}") for n in range(count)]
    bodies = [command_body(command, template.format(n=n), url, n) for n, url in enumerate(urls)]
    return bodies, {url.rsplit("/", 1)[1] for url in urls}


def _load(
    stack: Stack, server: ServeProcess, command: str, template: str, count: int, label: str
) -> tuple[LoadResult, set[str]]:
    bodies, tokens = _bodies(stack, command, template, count, label)
    result = asyncio.run(fire(server.url, stack.signer, bodies, CONCURRENCY))
    return result, tokens


def run(stack: Stack) -> AckReport:
    figures: list[AckFigures] = []
    undelivered = 0
    for command, template in COMMANDS:
        measured: dict[str, LoadResult] = {}
        cpu_ms: dict[str, float] = {}
        for name, server in (("bare", stack.bare), ("real", stack.real)):
            for phase, count in (("warmup", WARMUP), ("measure", TOTAL)):
                cpu_before = server.cpu_seconds()
                result, tokens = _load(stack, server, command, template, count, f"{name}-{phase}-")
                if name == "real":
                    # The real app keeps working after each ack (model call, database, response_url);
                    # let it finish so the next measurement starts from an idle server.
                    delivered = stack.wait_for_deliveries(tokens)
                    if phase == "measure":
                        undelivered += len(tokens) - len(delivered)
                measured[name] = result
                cpu_ms[name] = (server.cpu_seconds() - cpu_before) / count * 1000
        figures.append(
            AckFigures(command, measured["bare"], measured["real"], cpu_ms["bare"], cpu_ms["real"])
        )
        stack.slack.reset()
        stack.openai.reset()
    return AckReport(figures, stack.real.peak_rss_kib(), stack.bare.peak_rss_kib(), undelivered)
