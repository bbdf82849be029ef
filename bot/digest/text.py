"""The digest as plain text, for the terminal (`triagebot digest`)."""

from __future__ import annotations

from bot.digest.figures import Digest, RunScore
from bot.quality.costs import money
from bot.quality.metrics import ClassFigures, describe_kappa
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


def kappa_lines(digest: Digest) -> list[str]:
    """The live model's kappa on its latest run, the reviewers' own beside it, and the paired test
    against the model live before it."""
    lines: list[str] = []
    evidence, latest = digest.evidence, digest.latest
    if evidence is not None and latest is not None:
        lines.append(
            f"Kappa (run #{latest.score.run_id}): urgency {describe_kappa(evidence.urgency.kappa, evidence.urgency.n)} "
            f"(linearly weighted), category {describe_kappa(evidence.category.kappa, evidence.category.n)}"
        )
    if digest.human is not None:
        lines.append(f"  human ceiling: {digest.human.describe()}")
    before = digest.previous_model_run
    if digest.paired is not None and before is not None:
        lines.append(
            f"Paired with the previous model {before.model_id} on {before.endpoint} (run #{before.run_id}), "
            f"same cases: {digest.paired.describe()}"
        )
    elif latest is not None:
        lines.append("Paired test: no eval run of the previous model to compare with.")
    if digest.paired_reviews is not None and digest.previous_model is not None:
        lines.append(
            f"Paired on live traffic (shadow pairs judged by reviewers, against {digest.previous_model[1]}): "
            f"{digest.paired_reviews.describe()}"
        )
    return lines


def class_line(field: str, figures: ClassFigures) -> str:
    f1 = f"{figures.f1:.2f}" if figures.f1 is not None else "n/a"
    return (
        f"  {field} {figures.label}: recall {percent(figures.recall)} ({figures.true_positives}/{figures.support}), "
        f"precision {percent(figures.precision)}, F1 {f1}"
    )


def class_lines(digest: Digest) -> list[str]:
    """Per class of the latest run, classes the run never met left out (terminal form of the table)."""
    if digest.evidence is None:
        return []
    lines = ["Per class (latest run):"]
    for field in (digest.evidence.urgency, digest.evidence.category):
        lines += [class_line(field.field, c) for c in field.classes if c.support or c.predicted]
    return lines


def incident_lines(digest: Digest) -> list[str]:
    if not digest.incidents:
        return ["Monitor incidents: none in this period."]
    lines = [f"Monitor incidents: {len(digest.incidents)} in this period"]
    for incident in digest.incidents[:10]:
        state = (
            f"resolved {when(incident.resolved_at)}"
            if incident.resolved_at
            else f"still open ({incident.level})"
        )
        lines.append(
            f"  - {incident.monitor} on {incident.model_id}: worst {incident.worst_level}, opened "
            f"{when(incident.opened_at)}, {state}" + (f"; {incident.detail}" if incident.detail else "")
        )
    if len(digest.incidents) > 10:
        lines.append(f"  … and {len(digest.incidents) - 10} more")
    return lines


def spend_line(digest: Digest) -> str | None:
    found = digest.spend
    if found is None:
        return None
    if found.total is None:
        return f"Spend (every model call: live, shadow, eval): unknown, no price for {', '.join(found.unpriced_models[:3])}"
    line = f"Spend (every model call: live, shadow, eval): {money(found.total)} for {found.calls} call(s)"
    if found.unpriced_calls:
        line += f", at least: {found.unpriced_calls} call(s) have no price ({', '.join(found.unpriced_models[:3])})"
    return line


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
    lines += kappa_lines(digest)
    lines += class_lines(digest)
    lines += activity_lines(digest)
    if (spent := spend_line(digest)) is not None:
        lines.append(spent)
    lines += incident_lines(digest)
    return "\n".join(lines)
