"""Plain-text wording of quality figures, shared by the CLI and (escaped) Slack messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.quality.eval_runs import RunSummary

if TYPE_CHECKING:
    from bot.quality.golden_cases import FailedCase


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


def failed_case_lines(run_id: int, total: int, shown: list[FailedCase]) -> list[str]:
    if not total:
        return ["Failed cases: none."]
    lines = [f"Failed cases: {total}" + (f" (the first {len(shown)}):" if len(shown) < total else ":")]
    for case in shown:
        excerpt = " ".join(case.input_text.split())[:80]
        lines.append(f'  - case #{case.case_id} "{excerpt}": expected {case.expected}, got {case.got}')
    if len(shown) < total:
        lines.append(f"  All of them: `triagebot eval show {run_id}`.")
    return lines
