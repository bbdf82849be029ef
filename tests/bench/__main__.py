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
    "The same-work app (`tests/bench/same_work_app.py`, `/triage` only) is the fair peer: Bolt AsyncApp "
    "+ AsyncOpenAI + one aiohttp post to the response_url, with the same prompt and answer schema "
    "(`bot.triage.system_prompt`, `answer_model`) and the same prepared-body model call as ours, but no "
    "database, no logging, no rate limit; same stack, same run. Targets are ratios to it: CPU per "
    f"triage ≤ {ack_latency.CPU_RATIO_TARGET:g}x, throughput ≥ {ack_latency.THROUGHPUT_RATIO_TARGET:g}x. "
    "The real app does all its work meanwhile: `/triage` checks the live deployment before acking, "
    "then calls the model, records the triage and posts the result to the response_url; `/model "
    "status` acks, then reads the registry and answers via response_url. Between runs the "
    "benchmark waits for all of that to finish.",
    f"**Model concurrency**: {model_concurrency.REQUESTS} `/triage` sent at once ({model_concurrency.ROUNDS} rounds), the OpenAI stand-in "
    f"answering each chat completion after {model_concurrency.MODEL_LATENCY_SECONDS} s. The figure is "
    "the time from the first request leaving the client to the last result arriving at its "
    "response_url (as recorded by the Slack stand-in). The same rounds run against the same-work app.",
    "**Digest at scale**: `tests.bench.digest_scale.run()` (1M quality checks and 1M triages on "
    "SQLite); skipped when that module is absent.",
    "**Peak memory**: VmHWM (resident set high-water mark) of each server process from "
    "/proc/<pid>/status after the ack-latency load.",
    "Database: SQLite (WAL) in a temporary directory. Log level INFO, as in production.",
]


# Why the real app's figures are what they are: `make profile` (cProfile of `triagebot serve`, event-
# loop thread CPU, tests/bench/profile_triage.txt) under 1,000 `/triage`. Kept by hand: re-profile
# when it moves.
ANALYSIS = [
    "**Profile** (`make profile`, 2026-11-26 00:44 UTC, load average 1.8; the profiler's CPU clock "
    "inflates everything ~5x, so read shares). Own CPU by package: SQLAlchemy 19% (22% before the "
    "live-deployment cut), builtins 26% (socket, queue and thread hand-offs), slack_sdk 5%, Bolt 4%, "
    "httpx/h11/httpcore (the OpenAI SDK's transport) 8%, our own code 3.5%. Under `/triage` (cumulative, "
    "overlapping): the model call through the SDK ~11.8 s of 59, the per-user rate-limit counter "
    "(`bot/limits.py` → `storage/usage.py`, a write transaction: upsert + delete) 11.2 s, the triage "
    "insert 8.7 s, the delivery-status update (another write transaction) 8.3 s, the response_url post "
    "4.6 s, Block Kit serialisation (`commands/block_kit.as_dicts`, slack_sdk's validating `to_dict`) "
    "2.9 s, the replay check (`bot/app.py` → `bot/outbox/seen.py`, a write per request) 1.6 s. The "
    "live-deployment read no longer shows in the top 35.",
    "**Cut 1, live-deployment read before every ack** (`bot/deployments.py`): the ORM session read of "
    "the newest row became a version check (the newest row's id, endpoint, model and time by the primary "
    "key index; on SQLite one driver-level statement: one hop to aiosqlite's thread instead of five), "
    "with the row reused while the version is unchanged; deployments are append-only, so a switch in any "
    "process changes it and the next triage everywhere sees it (tests/e2e/test_live_cache.py, two processes, "
    "SQLite and PostgreSQL). In-process, per read: 0.74-0.92 ms → 0.16-0.21 ms of CPU (00:39-00:47 UTC, "
    "load 1.5). In `make bench`, three before/after pairs run back to back on this machine (`--no-digest`; "
    "other engineers' suites running): `/triage` CPU per request 12.2 → 9.5 ms (00:43 UTC, load 1.9-2.1), "
    "12.6 → 12.4 ms (00:52, load 0.6-0.9), 13.9 → 11.1 ms (00:53, after first, load 0.8-1.1): about 2 ms "
    "less on average, with ±1.5 ms of run-to-run noise; ack p99 873/845/883 → 653/790/734 ms, throughput "
    "78/82/76 → 110/86/97 req/s, burst 1.40/1.43 → 1.32/1.36 s.",
    "**Request-log line** (`commands/request_log.py`): measured at 0.02 ms per request (JSON formatter "
    "and secret redaction included), 0.2% of a triage: not cut. **Bolt's double parse**: our shape check "
    "(`bot/request_shape.malformed_reason`) parses a slash-command body in 0.016 ms and Bolt's "
    "`AsyncBoltRequest` again in 0.019 ms: 0.2%, not worth a change to `bot/app.py`.",
    "**What is left**: the same-work app spends ~3 ms per triage; ours ~9.5 ms. The difference is "
    "almost all SQLite write transactions: four per `/triage` (replay check, rate-limit counter, triage "
    "row, delivery status), each serialised on the one-writer lock and each several aiosqlite thread hops, "
    "plus slack_sdk Block Kit serialisation. Folding the rate-limit counter and the triage row into one "
    "transaction, or the replay key into the rate-limit one, and serialising blocks once as plain dicts, "
    "are the next cuts (outside this part's files). Until then per-triage CPU, ack p99, throughput and the "
    "100-at-once burst (CPU-bound: 100 x per-triage CPU after the model's 0.5 s) miss their targets.",
    "Tried and reverted earlier: letting acknowledged work stand aside (up to 1 s) while requests wait "
    "for their ack. Ack p50 fell, but throughput stayed (the same CPU has to be spent) and the burst got "
    "slower: the work no longer overlapped the model's 0.5 s.",
    "The benchmark's agents were 20 user IDs, so a run sent ~45 `/triage` per user per minute and the "
    "per-user limit (30) answered some of them without a model call: one burst showed 0.63 s with 0 of "
    "300 results. Each request number is now its own agent.",
    "The machine is shared with other test runs (see the load average): on a busy machine every "
    "figure of the real app comes out worse, the peers' much less so.",
]


def ratio_row(what: str, real: float, peer: float, limit: float, *, at_most: bool, unit: str) -> Row:
    """`real` against `peer` as a ratio with its target; a miss says by how much in `unit` too."""
    ratio = real / peer if peer else float("inf")
    met = ratio <= limit if at_most else ratio >= limit
    allowed = limit * peer
    over = real - allowed if at_most else allowed - real
    return Row(
        what,
        f"{ratio:.2f}x",
        f"{'≤' if at_most else '≥'} {limit:g}x same-work",
        met,
        "" if met else f"by {over:,.1f} {unit} ({ratio / limit - 1:+.0%})",
    )


def ack_rows(report: ack_latency.AckReport) -> list[Row]:
    rows: list[Row] = []
    for fig in report.figures:
        c, real, bare, peer = fig.command, fig.real, fig.bare, fig.peer
        who = "real / same-work / bare" if peer else "real / bare"

        def trio(real_value: str, peer_value: str | None, bare_value: str) -> str:
            return " / ".join(v for v in (real_value, peer_value, bare_value) if v is not None)

        rows.append(
            Row(
                f"`{c}` ack p50 ({who})",
                trio(
                    ms(real.percentile(50)),
                    ms(peer.percentile(50)) if peer else None,
                    ms(bare.percentile(50)),
                ),
            )
        )
        p99 = below(
            f"`{c}` ack p99, {ack_latency.CONCURRENCY} concurrent",
            real.percentile(99),
            ack_latency.P99_TARGET_SECONDS,
            "ms",
        )
        p99.figure += (
            f" (same-work {ms(peer.percentile(99))}, bare {ms(bare.percentile(99))})"
            if peer
            else (f" (bare {ms(bare.percentile(99))})")
        )
        rows.append(p99)
        rows.append(
            Row(
                f"`{c}` throughput ({who})",
                trio(
                    f"{real.throughput:,.0f}",
                    f"{peer.throughput:,.0f}" if peer else None,
                    f"{bare.throughput:,.0f} req/s",
                )
                + f" (real = {fig.ratio:.2f}x bare)",
            )
        )
        if peer is not None and fig.peer_cpu_ms is not None:
            rows.append(
                ratio_row(
                    f"`{c}` throughput, real / same-work",
                    real.throughput,
                    peer.throughput,
                    ack_latency.THROUGHPUT_RATIO_TARGET,
                    at_most=False,
                    unit="req/s",
                )
            )
        rows.append(
            Row(
                f"`{c}` server CPU per request, ack and the work after it ({who})",
                trio(
                    f"{fig.real_cpu_ms:.1f}",
                    f"{fig.peer_cpu_ms:.1f}" if fig.peer_cpu_ms is not None else None,
                    f"{fig.bare_cpu_ms:.1f} ms",
                )
                + f" (real = {fig.real_cpu_ms / fig.bare_cpu_ms if fig.bare_cpu_ms else 0:.0f}x bare)",
            )
        )
        if fig.peer_cpu_ms is not None:
            rows.append(
                ratio_row(
                    f"`{c}` server CPU per request, real / same-work",
                    fig.real_cpu_ms,
                    fig.peer_cpu_ms,
                    ack_latency.CPU_RATIO_TARGET,
                    at_most=True,
                    unit="ms",
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


def concurrency_rows(
    rounds: model_concurrency.ConcurrencyRounds, peer: model_concurrency.ConcurrencyRounds
) -> list[Row]:
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
    rows[0].figure += f" (same-work {peer.median.first_to_last_delivery:.2f} s)"
    every = ", ".join(f"{r.first_to_last_delivery:.2f} s" for r in rounds.rounds)
    rows.append(Row("Each round (real)", every))
    every_peer = ", ".join(f"{r.first_to_last_delivery:.2f} s" for r in peer.rounds)
    rows.append(Row("Each round (same-work)", every_peer))
    complete = all(r.results == r.requests for r in rounds.rounds)
    delivered = sum(r.results for r in rounds.rounds)
    total = sum(r.requests for r in rounds.rounds)
    rows.append(Row("Results delivered (real)", f"{delivered} of {total}", "all", complete, ""))
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
        print("(a) ack latency and throughput, real app beside the same-work and bare apps …", flush=True)
        acks = ack_latency.run(stack)
        rows += ack_rows(acks)
        rows += memory_rows(acks)
        print("(b) 100 concurrent triages against a 0.5 s model …", flush=True)
        real_bursts = model_concurrency.run(stack)
        peer_bursts = model_concurrency.run(stack, stack.peer, label="peer-burst")
        rows += concurrency_rows(real_bursts, peer_bursts)
    if "--no-digest" in sys.argv[1:]:  # for repeated runs of the request figures
        rows.append(Row("Digest at scale", "not run (--no-digest)", f"< {DIGEST_TARGET_SECONDS:g} s"))
    else:
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
