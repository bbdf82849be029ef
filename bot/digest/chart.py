"""The digest's chart: eval pass rate over time, one line per model ID, as PNG bytes."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from bot.digest.figures import RunScore

MAX_LABEL_CHARS = 48
# pyplot keeps global state; charts are drawn in worker threads, one at a time.
_PYPLOT = threading.Lock()


def _label(model_id: str) -> str:
    return model_id if len(model_id) <= MAX_LABEL_CHARS else "…" + model_id[-(MAX_LABEL_CHARS - 1) :]


def pass_rate_chart(runs: Sequence[RunScore], live_model: str | None = None) -> bytes | None:
    """None when there is nothing to draw."""
    points = [r for r in runs if r.finished_at is not None and r.pass_rate is not None]
    if not points:
        return None
    by_model: dict[str, list[RunScore]] = {}
    for run in points:
        by_model.setdefault(run.model_id, []).append(run)
    with _PYPLOT:
        return _draw(by_model, live_model)


def _draw(by_model: dict[str, list[RunScore]], live_model: str | None) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    try:
        for model_id, model_runs in by_model.items():
            label = _label(model_id) + (" (live)" if model_id == live_model else "")
            axes.plot(
                [r.finished_at for r in model_runs],
                [100 * (r.pass_rate or 0) for r in model_runs],
                marker="o",
                linewidth=2.5 if model_id == live_model else 1.2,
                label=label,
            )
        axes.set_ylim(0, 100)
        axes.set_ylabel("Eval pass rate (%)")
        axes.set_title("Eval pass rate by model")
        axes.grid(True, alpha=0.3)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
        axes.legend(loc="lower left", fontsize="small")
        figure.autofmt_xdate()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)
