"""(a) Ack latency and throughput at 50 concurrent requests, real app beside the bare Bolt app and
(for `/triage`) the minimal same-work app; (d) the real app's peak memory under that load."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tests.bench.load import LoadResult, command_body, fire
from tests.bench.quick import pick
from tests.bench.stack import Stack
from tests.support.serve_process import ServeProcess

CONCURRENCY = 50
TOTAL = pick(500, 150)
WARMUP = pick(100, 30)
P99_TARGET_SECONDS = 0.300
THROUGHPUT_RATIO_TARGET = 0.8  # of the same-work app's
CPU_RATIO_TARGET = 1.5  # per-triage server CPU, of the same-work app's
COMMANDS = (("/triage", "Customer {n}: I was charged twice for my subscription"), ("/model", "status"))


@dataclass
class AckFigures:
    command: str
    bare: LoadResult
    real: LoadResult
    bare_cpu_ms: float  # server CPU per request, including work done after the ack
    real_cpu_ms: float
    peer: LoadResult | None = None  # the same-work app: `/triage` only (it does no `/model` work)
    peer_cpu_ms: float | None = None

    @property
    def ratio(self) -> float:
        return self.real.throughput / self.bare.throughput if self.bare.throughput else 0.0

    @property
    def peer_ratio(self) -> float | None:
        if self.peer is None or not self.peer.throughput:
            return None
        return self.real.throughput / self.peer.throughput

    @property
    def peer_cpu_ratio(self) -> float | None:
        return self.real_cpu_ms / self.peer_cpu_ms if self.peer_cpu_ms else None


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
        servers = [("bare", stack.bare), ("real", stack.real)]
        if command == "/triage":
            servers.insert(1, ("peer", stack.peer))
        for name, server in servers:
            for phase, count in (("warmup", WARMUP), ("measure", TOTAL)):
                cpu_before = server.cpu_seconds()
                result, tokens = _load(stack, server, command, template, count, f"{name}-{phase}-")
                if name != "bare":
                    # These keep working after each ack (model call, database, response_url); let
                    # them finish so the next measurement starts from an idle server.
                    delivered = stack.wait_for_deliveries(tokens)
                    if phase == "measure" and name == "real":
                        undelivered += len(tokens) - len(delivered)
                measured[name] = result
                cpu_ms[name] = (server.cpu_seconds() - cpu_before) / count * 1000
        figures.append(
            AckFigures(
                command,
                measured["bare"],
                measured["real"],
                cpu_ms["bare"],
                cpu_ms["real"],
                measured.get("peer"),
                cpu_ms.get("peer"),
            )
        )
        stack.slack.reset()
        stack.openai.reset()
    return AckReport(figures, stack.real.peak_rss_kib(), stack.bare.peak_rss_kib(), undelivered)
