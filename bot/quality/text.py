"""Plain-text wording of quality figures, shared by the CLI and (escaped) Slack messages."""

from __future__ import annotations

from bot.quality.eval_runs import RunSummary


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def millis(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,} ms"


def summary_lines(summary: RunSummary) -> list[str]:
    lines = [
        f"Eval run #{summary.run_id} of {summary.model_id} on {summary.endpoint} ({summary.status})",
        f"Pass rate: {percent(summary.pass_rate)} ({summary.passed}/{summary.cases} cases)",
        f"Urgency accuracy: {percent(summary.urgency_accuracy)}  ·  "
        f"Category accuracy: {percent(summary.category_accuracy)}",
        f"Latency p50 {millis(summary.latency_p50_ms)}  ·  p95 {millis(summary.latency_p95_ms)}",
    ]
    if summary.errors:
        lines.append(
            f"Errors: {summary.errors} case(s) got no answer (counted as failed); see quality checks of "
            f"run #{summary.run_id}"
        )
    else:
        lines.append("Errors: none")
    return lines
