"""`make bench`: run every benchmark once, print each figure against its target, write BENCHMARKS.md."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import ack_latency, model_concurrency
from tests.bench.machine import machine_info
from tests.bench.report import Row, below, ms, print_rows, write_markdown
from tests.bench.stack import ROOT, bench_stack

DIGEST_TARGET_SECONDS = 2.0

NOTES = [
    f"**Ack latency / throughput**: {ack_latency.TOTAL} signed slash commands per app and command, "
    f"{ack_latency.CONCURRENCY} in flight at once (aiohttp client, keep-alive), after "
    f"{ack_latency.WARMUP} warm-up requests. Latency is request sent → acknowledgement received; "
    "throughput is acknowledged requests per second of wall time. The bare app is a Bolt AsyncApp "
    "whose listeners only `ack()`, served by uvicorn + Bolt's Starlette adapter like the real app. "
    "The real app does all its work meanwhile: `/triage` reads the live deployment before acking, "
    "then calls the model, records the triage and posts the result to the response_url; `/model "
    "status` acks, then reads the registry and answers via response_url. Between runs the "
    "benchmark waits for all of that to finish.",
    f"**Model concurrency**: {model_concurrency.REQUESTS} `/triage` sent at once ({model_concurrency.ROUNDS} rounds), the OpenAI stand-in "
    f"answering each chat completion after {model_concurrency.MODEL_LATENCY_SECONDS} s. The figure is "
    "the time from the first request leaving the client to the last result arriving at its "
    "response_url (as recorded by the Slack stand-in).",
    "**Digest at scale**: `tests.bench.digest_scale.run()` (1M quality checks and 1M triages on "
    "SQLite); skipped when that module is absent.",
    "**Peak memory**: VmHWM (resident set high-water mark) of each server process from "
    "/proc/<pid>/status after the ack-latency load.",
    "Database: SQLite (WAL) in a temporary directory. Log level INFO, as in production.",
]


# Why the real app's figures are what they are, from a py-spy profile of `triagebot serve` under the
# /triage load (2026-11-25, after the model-client change). Kept by hand: re-profile when it moves.
ANALYSIS = [
    "The ack itself is cheap: HTTP, Starlette, Bolt dispatch, our signature and shape checks and the "
    "request log line are ~5% of the server's CPU under the `/triage` load. Acks are slow because the "
    "event loop is busy with the work that follows earlier acks: per triage, the model call through "
    "the OpenAI SDK (~14% of CPU), SQLite through aiosqlite (one thread hop per cursor/statement/"
    "commit: ~35% between the loop and the worker threads, for the live-deployment read and the "
    "triage insert) and the response_url post (~8%, about halved since posts share one aiohttp session). "
    "That is the 'server CPU per request' row: the bare app does none of it.",
    "With one core per process, throughput of acks while that work runs is bounded by 1 / (CPU per "
    "request): about 90-135 `/triage` per second on this machine, against 1,000-2,000 bare acks. Meeting "
    "'half the bare app' would take several worker processes per host (`triagebot serve` runs one) "
    "or a far cheaper triage (mostly SQLite access without aiosqlite's thread hops).",
    "The 100-at-once burst is CPU-bound the same way, not queued: every model call is in flight at "
    "once (asyncio + AsyncOpenAI, no worker pool), so the 0.5 s model latency is paid once; the rest "
    "is ~100 x the per-triage CPU. Before the model client posted prepared bodies (skipping the SDK's "
    "per-call schema build and parameter transforms) it took 3.9 s; after, 1.2-1.4 s on a quiet machine "
    "and 1.8-2.5 s while other test suites ran on it.",
    "Tried and reverted: letting acknowledged work stand aside (up to 1 s) while requests wait for "
    "their ack. Ack p50 fell, but throughput stayed at ~87 `/triage`/s (the same CPU has to be spent) "
    "and the 100-at-once burst got slower (2.5 s): the work no longer overlapped the model's 0.5 s.",
    "The machine is shared with other test runs (see the load average): on a busy machine every "
    "figure of the real app comes out worse, the bare app's much less so.",
]


def ack_rows(report: ack_latency.AckReport) -> list[Row]:
    rows: list[Row] = []
    for fig in report.figures:
        c, real, bare = fig.command, fig.real, fig.bare
        rows.append(
            Row(
                f"`{c}` ack p50 (real / bare)",
                f"{ms(real.percentile(50))} / {ms(bare.percentile(50))}",
            )
        )
        p99 = below(
            f"`{c}` ack p99, {ack_latency.CONCURRENCY} concurrent",
            real.percentile(99),
            ack_latency.P99_TARGET_SECONDS,
            "ms",
        )
        p99.figure += f" (bare {ms(bare.percentile(99))})"
        rows.append(p99)
        met = fig.ratio >= ack_latency.THROUGHPUT_RATIO_TARGET
        shortfall = ack_latency.THROUGHPUT_RATIO_TARGET * bare.throughput - real.throughput
        rows.append(
            Row(
                f"`{c}` throughput (real / bare)",
                f"{real.throughput:,.0f} / {bare.throughput:,.0f} req/s = {fig.ratio:.2f}x",
                f"≥ {ack_latency.THROUGHPUT_RATIO_TARGET:g}x bare",
                met,
                "" if met else f"by {shortfall:,.0f} req/s",
            )
        )
        rows.append(
            Row(
                f"`{c}` server CPU per request, ack and the work after it (real / bare)",
                f"{fig.real_cpu_ms:.1f} / {fig.bare_cpu_ms:.1f} ms",
            )
        )
        failed = sum(n for status, n in real.statuses.items() if status != 200) + real.errors
        rows.append(
            Row(
                f"`{c}` non-200 answers or errors (real)",
                f"{failed} of {ack_latency.TOTAL}",
                "0",
                failed == 0,
                "",
            )
        )
    rows.append(
        Row(
            "Background answers not delivered after the load",
            str(report.undelivered),
            "0",
            report.undelivered == 0,
        )
    )
    return rows


def concurrency_rows(rounds: model_concurrency.ConcurrencyRounds) -> list[Row]:
    report = rounds.median
    rows = [
        below(
            f"{report.requests} x `/triage` at once, model {model_concurrency.MODEL_LATENCY_SECONDS:g} s: "
            f"first request → last result (median of {len(rounds.rounds)})",
            report.first_to_last_delivery,
            model_concurrency.TARGET_SECONDS + 1e-9,
        )
    ]
    rows[0].target = f"≤ {model_concurrency.TARGET_SECONDS:g} s"
    every = ", ".join(f"{r.first_to_last_delivery:.2f} s" for r in rounds.rounds)
    rows.append(Row("Each round", every))
    complete = all(r.results == r.requests for r in rounds.rounds)
    delivered = sum(r.results for r in rounds.rounds)
    total = sum(r.requests for r in rounds.rounds)
    rows.append(Row("Results delivered", f"{delivered} of {total}", "all", complete, ""))
    rows.append(Row("Ack p99 during the median burst", ms(report.load.percentile(99))))
    return rows


def memory_rows(report: ack_latency.AckReport) -> list[Row]:
    def mib(kib: int | None) -> str:
        return f"{kib / 1024:,.0f} MiB" if kib else "unknown"

    return [
        Row(
            "Peak RSS of `triagebot serve` under the ack load (bare app)",
            f"{mib(report.peak_rss_kib)} ({mib(report.bare_peak_rss_kib)})",
        )
    ]


def digest_rows() -> list[Row]:
    if importlib.util.find_spec("tests.bench.digest_scale") is None:
        return [
            Row(
                "Digest at scale",
                "not run: tests/bench/digest_scale.py is missing",
                f"< {DIGEST_TARGET_SECONDS:g} s",
            )
        ]
    module: Any = importlib.import_module("tests.bench.digest_scale")
    started = time.perf_counter()
    result: dict[str, Any] = module.run()
    wall = time.perf_counter() - started
    # The digest's own timings (digest_seconds_*), not the time it took to fill the tables.
    timings = [
        float(v) for k, v in result.items() if k.startswith("digest_seconds") and isinstance(v, int | float)
    ]
    seconds = max(timings) if timings else None
    details = ", ".join(f"{k}={v}" for k, v in result.items())
    if seconds is None:
        return [
            Row("Digest at scale", f"{details} (whole run {wall:.1f} s)", f"< {DIGEST_TARGET_SECONDS:g} s")
        ]
    row = below(
        "Digest at scale (1M checks + 1M triages, SQLite), slowest digest", seconds, DIGEST_TARGET_SECONDS
    )
    return [row, Row("Digest at scale: details", details)]


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    machine = machine_info()
    print(
        f"triagebot benchmarks on {machine['cpu']} ({machine['cores']} cores, {machine['memory']}), "
        f"Python {machine['python']}, {machine['date']}"
    )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="triagebot-bench-") as tmp, bench_stack(Path(tmp)) as stack:
        print("(a) ack latency and throughput, real app beside the bare Bolt app …", flush=True)
        acks = ack_latency.run(stack)
        rows += ack_rows(acks)
        rows += memory_rows(acks)
        print("(b) 100 concurrent triages against a 0.5 s model …", flush=True)
        rows += concurrency_rows(model_concurrency.run(stack))
    print("(c) digest at scale …", flush=True)
    rows += digest_rows()
    print()
    print_rows(rows)
    out = ROOT / "BENCHMARKS.md"
    write_markdown(out, machine, rows, NOTES, ANALYSIS)
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
