"""The digest's chart: eval pass rate over time, one line per model (endpoint + ID), as PNG bytes.

Drawn for a lead glancing at Slack: the time axis fits the span (hours apart read as hours, not the
same day five times), 100% is not clipped, each label is short but still tells models apart, and
the endpoint is named wherever one ID is served by more than one endpoint.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import timedelta

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from bot.digest.figures import RunScore

MAX_LABEL_CHARS = 40
# pyplot keeps global state; charts are drawn in worker threads, one at a time.
_PYPLOT = threading.Lock()

Model = tuple[str, str]  # (endpoint, model_id)


def shorten(model_id: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Cut the middle: fine-tune IDs share their start (the base) and differ at the end (the suffix)."""
    if len(model_id) <= limit:
        return model_id
    keep = limit - 1
    head = keep // 2
    return model_id[:head] + "…" + model_id[len(model_id) - (keep - head) :]


def labels(models: Sequence[Model], live: Model | None) -> dict[Model, str]:
    """One legend label per model, unambiguous: the endpoint is added where IDs repeat, and where
    cutting made two labels equal."""
    ids = [model_id for _, model_id in models]
    found: dict[Model, str] = {}
    for endpoint, model_id in models:
        label = shorten(model_id)
        if ids.count(model_id) > 1:
            label = f"{label} on {endpoint}"
        found[(endpoint, model_id)] = label
    values = list(found.values())
    for model, label in list(found.items()):
        if values.count(label) > 1:  # two IDs cut to the same text: fall back to the full ID
            found[model] = model[1] + (f" on {model[0]}" if ids.count(model[1]) > 1 else "")
    if live is not None and live in found:
        found[live] += " (live)"
    return found


def runs_by_model(runs: Sequence[RunScore]) -> dict[Model, list[RunScore]]:
    """The points to draw, per model. Runs where every case errored measure an outage, not quality,
    and are left out."""
    by_model: dict[Model, list[RunScore]] = {}
    for run in runs:
        if run.finished_at is not None and run.pass_rate is not None and run.errors < run.cases:
            by_model.setdefault((run.endpoint, run.model_id), []).append(run)
    return by_model


def pass_rate_chart(runs: Sequence[RunScore], live: Model | None = None) -> bytes | None:
    """None when there is nothing to draw."""
    by_model = runs_by_model(runs)
    if not by_model:
        return None
    with _PYPLOT:
        figure = draw(by_model, live)
        try:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()
        finally:
            plt.close(figure)


def draw(by_model: dict[Model, list[RunScore]], live: Model | None) -> Figure:
    """The figure itself (the caller closes it): tests read its axes instead of decoding pixels."""
    names = labels(list(by_model), live)
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    for model, model_runs in by_model.items():
        # matplotlib's date units plot datetimes; its stubs only name numbers.
        axes.plot(
            [r.finished_at for r in model_runs],  # type: ignore[arg-type]
            [100 * (r.pass_rate or 0) for r in model_runs],
            marker="o",
            linewidth=2.5 if model == live else 1.2,
            label=names[model],
        )
    axes.set_ylim(0, 105)  # headroom: a 100% point sits inside the frame, not on it
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel("Eval pass rate (%)")
    axes.set_title("Eval pass rate by model")
    axes.grid(True, alpha=0.3)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    times = [r.finished_at for runs in by_model.values() for r in runs if r.finished_at is not None]
    if len(set(times)) == 1:  # one moment: give the axis some width so the tick is readable
        # matplotlib's date units take datetimes; its stubs only name numbers.
        axes.set_xlim(times[0] - timedelta(hours=1), times[0] + timedelta(hours=1))  # type: ignore[arg-type]
    # Outside the plot, below it: long labels never cover points and are never cut.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1, fontsize="small", frameon=False)
    figure.canvas.draw()  # places the ticks, so their labels can be read
    return figure
