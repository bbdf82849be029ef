"""Snapshots in words, for the terminal (and, escaped, for Slack)."""

from __future__ import annotations

from bot.quality.metrics import describe_kappa
from bot.snapshots.compare import SnapshotComparison
from bot.snapshots.record import Recording
from storage.models import Snapshot


def snapshot_line(snapshot: Snapshot, answered: int | None = None) -> str:
    state = f"finished {snapshot.finished_at:%Y-%m-%d %H:%M} UTC" if snapshot.finished_at else "unfinished"
    counted = f"{answered}/{snapshot.input_count}" if answered is not None else str(snapshot.input_count)
    return (
        f"#{snapshot.id} {snapshot.name!r}: {snapshot.model_id} on {snapshot.endpoint}, "
        f"prompt {snapshot.prompt_version}, {counted} inputs, {state}"
    )


def recording_lines(done: Recording) -> list[str]:
    snapshot = done.snapshot
    lines = [("Resumed " if done.resumed else "Recorded ") + snapshot_line(snapshot, done.answered)]
    if done.failed:
        lines.append(
            f"{done.failed} input(s) got no answer (see the log); run the same command again to retry only those."
        )
    return lines


def comparison_lines(result: SnapshotComparison) -> list[str]:
    ref, other = result.reference, result.other
    n = result.urgency.n
    lines = [
        f"{other.model_id} on {other.endpoint} against snapshot #{ref.id} ({ref.model_id} on {ref.endpoint}, "
        f"{ref.created_at:%Y-%m-%d}), {n} inputs both answered:",
        f"  urgency agreement {result.urgency.describe()}, weighted kappa {describe_kappa(result.urgency_kappa, n)}",
        f"  category agreement {result.category.describe()}, kappa {describe_kappa(result.category_kappa, n)}",
        f"  golden cases, against the snapshot's model: {result.golden.describe()}",
        f"  {result.differing} input(s) answered differently" + (":" if result.differences else "."),
    ]
    for diff in result.differences:
        excerpt = " ".join(diff.input_text.split())[:70]
        lines.append(f'    - "{excerpt}": snapshot {diff.reference}, now {diff.other}')
    return lines
