"""The benchmark's figures as rows against their targets (printed, and written to BENCHMARKS.md)."""

from __future__ import annotations

import importlib
import importlib.util
import time
from collections.abc import Callable
from typing import Any

from tests.bench import ack_latency, eval_run, growth, model_concurrency, shadow, workers
from tests.bench.report import Row, below, ms

DIGEST_TARGET_SECONDS = 2.0


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


def eval_rows(report: eval_run.EvalReport) -> list[Row]:
    met = report.ratio <= eval_run.TARGET_RATIO
    over = report.seconds - report.ideal * eval_run.TARGET_RATIO
    return [
        Row(
            f"`triagebot eval run`, {report.cases:,} cases, model {eval_run.MODEL_LATENCY_SECONDS:g} s, "
            f"concurrency {eval_run.CONCURRENCY}: time / ideal",
            f"{report.ratio:.2f}x ({report.seconds:.1f} s, ideal {report.ideal:.1f} s)",
            f"≤ {eval_run.TARGET_RATIO:g}x",
            met and report.exit_code == 0,
            "" if met else f"by {over:.1f} s ({report.ratio / eval_run.TARGET_RATIO - 1:+.0%})",
        ),
        Row("`triagebot eval run` peak RSS", f"{report.peak_rss_kib / 1024:,.0f} MiB"),
    ]


def growth_table(steps: list[growth.GrowthStep]) -> list[str]:
    lines = ["| Triages stored | `/triage` server CPU per request | Digest, all days |", "|---|---|---|"]
    lines += [f"| {s.stored:,} | {s.cpu_ms:.1f} ms | {s.digest_seconds:.3f} s |" for s in steps]
    if len(steps) >= 2:
        first, last = steps[0], steps[-1]
        lines += [
            "",
            f"From {first.stored:,} to {last.stored:,} stored triages: CPU per request "
            f"{last.cpu_ms / first.cpu_ms if first.cpu_ms else 0:.2f}x, digest "
            f"{last.digest_seconds / first.digest_seconds if first.digest_seconds else 0:.2f}x "
            "(CPU is read in 10 ms clock ticks: ±1 ms at these request counts).",
        ]
    return lines


def within(what: str, on: float, off: float, limit: float) -> Row:
    ratio = on / off if off else float("inf")
    met = ratio <= 1 + limit
    return Row(
        what,
        f"{ms(on)} on / {ms(off)} off ({ratio - 1:+.0%})",
        f"≤ +{limit:.0%} of off",
        met,
        "" if met else f"by {ms(on - off * (1 + limit))} ({ratio - 1 - limit:+.0%} over)",
    )


def shadow_rows(report: shadow.ShadowReport) -> list[Row]:
    expected = min(report.requests, shadow.DAILY_CAP)
    rounds = report.rounds

    def each(figure: Callable[[shadow.ShadowRound], float]) -> str:
        return ", ".join(ms(figure(r)) for r in rounds)

    recorded = [r.pairs for r in rounds]
    return [
        within(
            f"Shadow at 100%: live `/triage` ack p99 (median of {len(rounds)} alternating rounds)",
            report.median(lambda r: r.on.ack_p99),
            report.median(lambda r: r.off.ack_p99),
            shadow.WITHIN,
        ),
        Row(
            "Each round, ack p99 on / off",
            f"{each(lambda r: r.on.ack_p99)} / {each(lambda r: r.off.ack_p99)}",
        ),
        within(
            f"Shadow at 100%: live time to result p99 (median of {len(rounds)})",
            report.median(lambda r: r.on.result_p99),
            report.median(lambda r: r.off.result_p99),
            shadow.WITHIN,
        ),
        Row(
            "Each round, time to result p99 on / off",
            f"{each(lambda r: r.on.result_p99)} / {each(lambda r: r.off.result_p99)}",
        ),
        Row(
            "Shadow pairs recorded for each burst",
            ", ".join(f"{n} of {report.requests}" for n in recorded),
            f"{expected} (up to the cap)",
            all(n == expected for n in recorded),
            f"by {expected - min(recorded)}",
        ),
        Row(
            "Of them, recorded before the burst's last live result (mirrors wait for a lull)",
            ", ".join(str(r.pairs_during) for r in rounds),
        ),
    ]


def workers_rows(report: workers.WorkersReport, acks: ack_latency.AckReport) -> list[Row]:
    triage = next(f for f in acks.figures if f.command == "/triage")
    n = report.workers
    rows = [
        below(
            f"`/triage` ack p99, 50 concurrent, `--workers {n}`",
            report.load.percentile(99),
            ack_latency.P99_TARGET_SECONDS,
            "ms",
        ),
        Row(
            f"`/triage` throughput, `--workers {n}` (one process, same-work)",
            f"{report.load.throughput:,.0f} ({triage.real.throughput:,.0f}, "
            f"{triage.peer.throughput if triage.peer else 0:,.0f}) req/s",
        ),
        Row(
            f"`/triage` server CPU per request, `--workers {n}` (one process)",
            f"{report.cpu_ms:.1f} ({triage.real_cpu_ms:.1f}) ms",
        ),
    ]
    burst = report.burst.median
    rows.append(
        Row(
            f"{burst.requests} x `/triage` at once, `--workers {n}`: first request → last result (median of "
            f"{len(report.burst.rounds)})",
            f"{burst.first_to_last_delivery:.2f} s ("
            + ", ".join(f"{r.first_to_last_delivery:.2f}" for r in report.burst.rounds)
            + f"; {sum(r.results for r in report.burst.rounds)} of "
            f"{sum(r.requests for r in report.burst.rounds)} results)",
        )
    )
    if triage.peer is not None and triage.peer.throughput:
        rows.append(
            ratio_row(
                f"`/triage` throughput, `--workers {n}` / same-work",
                report.load.throughput,
                triage.peer.throughput,
                ack_latency.THROUGHPUT_RATIO_TARGET,
                at_most=False,
                unit="req/s",
            )
        )
    return rows
