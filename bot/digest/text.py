"""The digest as plain text, for the terminal (`triagebot digest`)."""

from __future__ import annotations

from bot.digest.figures import Digest, RunScore
from bot.quality.text import millis, percent


def when(moment: object) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if hasattr(moment, "strftime") else "n/a"


def change(latest: float | None, before: RunScore | None) -> str:
    if latest is None or before is None or before.pass_rate is None:
        return "no earlier run to compare"
    delta = (latest - before.pass_rate) * 100
    where = f"(run #{before.run_id}, {before.model_id} on {before.endpoint})"
    if abs(delta) < 0.05:
        return f"no change from {percent(before.pass_rate)} {where}"
    sign = "+" if delta > 0 else ""
    return f"{sign}{delta:.1f} pts vs {percent(before.pass_rate)} {where}"


def eval_lines(digest: Digest) -> list[str]:
    latest = digest.latest
    if latest is None:
        return ["Eval: no finished eval run of the live model yet (run `triagebot eval run`)."]
    score = latest.score
    lines = [
        f"Eval: latest run #{score.run_id} on {score.endpoint} ({when(score.finished_at)}): pass rate {percent(score.pass_rate)} "
        f"({score.passed}/{score.cases}), {score.errors} error(s)",
        f"  vs previous run of this model: {change(score.pass_rate, digest.previous_run)}",
        f"  vs previous model: {change(score.pass_rate, digest.previous_model_run)}",
        f"  urgency accuracy {percent(latest.urgency_accuracy)}, category accuracy "
        f"{percent(latest.category_accuracy)}, latency p50 {millis(latest.latency_p50_ms)}, "
        f"p95 {millis(latest.latency_p95_ms)}",
    ]
    if digest.baseline is None:
        lines.append("Regressions: no earlier run to compare with.")
    elif not digest.regression_count:
        lines.append(f"Regressions: none since run #{digest.baseline.run_id}.")
    else:
        lines.append(
            f"Regressions: {digest.regression_count} case(s) passed in run #{digest.baseline.run_id} "
            "and fail now:"
        )
        for reg in digest.regressions:
            excerpt = " ".join(reg.input_text.split())[:80]
            lines.append(f'  - case #{reg.case_id} "{excerpt}": expected {reg.expected}, got {reg.got}')
    return lines


def activity_lines(digest: Digest) -> list[str]:
    lines: list[str] = []
    triages = digest.triages
    if triages is None or not (triages.live_volume or triages.other_volume):
        lines.append("Triage: no triages in this period.")
    else:
        lines.append(
            f"Triage: {triages.live_volume} by the live model, {triages.live_failed} failed "
            f"(error rate {percent(triages.error_rate)}), latency p50 {millis(triages.latency_p50_ms)}, "
            f"p95 {millis(triages.latency_p95_ms)}"
            + (f"; {triages.other_volume} by other models" if triages.other_volume else "")
        )
    if digest.cost is not None:
        lines.append(f"Cost of the live model: {digest.cost.describe()}")
    if not digest.reviews:
        lines.append("Reviews: no reviewer verdicts in this period.")
    for review in digest.reviews:
        lines.append(
            f"Reviews of {review.model_id} on {review.endpoint}: {review.agreed}/{review.reviews} agreed with the model "
            f"({percent(review.agreement)})"
        )
    return lines


def availability_line(digest: Digest) -> str | None:
    check = digest.availability
    if check is None or not check.answers:
        return None
    if check.shutdown_date is None:
        line = "Availability: the live model answers; no shutdown date announced."
    else:
        line = f"Availability: the live model answers; shutdown on {check.shutdown_date} ({check.days_left} days left)."
    return line + "".join(f"\nShutdown: {countdown}" for countdown in digest.countdown_lines)


def digest_text(digest: Digest) -> str:
    lines = [f"Triage model digest, {when(digest.period_start)} to {when(digest.period_end)}"]
    lines += [f"!!! WARNING: {warning}" for warning in digest.warnings]
    if digest.live is None:
        return "\n".join(lines)
    lines.append(
        f"Live model: {digest.live.model_id} on {digest.live.endpoint}, since {when(digest.live.since)}"
    )
    if digest.empty:
        lines.append("No data in this period: no triages, no reviews and no eval runs.")
    if (line := availability_line(digest)) is not None:
        lines.append(line)
    lines += eval_lines(digest)
    lines += activity_lines(digest)
    return "\n".join(lines)
