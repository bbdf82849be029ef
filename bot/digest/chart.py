"""The digest's chart, as PNG bytes: eval pass rate over time, one line per model (endpoint + ID),
and under it a second panel, per-class category recall of the live model over time (which class a
change of model or prompt hurt, which a pass rate hides).

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

from bot.digest.figures import ClassRecall, RunScore

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


def pass_rate_chart(
    runs: Sequence[RunScore], live: Model | None = None, recalls: Sequence[ClassRecall] = ()
) -> bytes | None:
    """None when there is nothing to draw."""
    by_model = runs_by_model(runs)
    if not by_model:
        return None
    with _PYPLOT:
        figure = draw(by_model, live, recalls)
        try:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()
        finally:
            plt.close(figure)


def recall_by_class(recalls: Sequence[ClassRecall]) -> dict[str, list[ClassRecall]]:
    """The second panel's lines: one per class with cases, in label order."""
    by_class: dict[str, list[ClassRecall]] = {}
    for point in sorted(recalls, key=lambda r: (r.label, r.finished_at)):
        if point.support:
            by_class.setdefault(point.label, []).append(point)
    return by_class


def draw(
    by_model: dict[Model, list[RunScore]], live: Model | None, recalls: Sequence[ClassRecall] = ()
) -> Figure:
    """The figure itself (the caller closes it): tests read its axes instead of decoding pixels.
    With `recalls`, a second panel under the first shares its time axis."""
    names = labels(list(by_model), live)
    by_class = recall_by_class(recalls)
    if by_class:
        figure, (axes, lower) = plt.subplots(2, 1, figsize=(9, 8.5), dpi=100, sharex=True)
        _recall_panel(lower, by_class, shorten(live[1]) if live else "")
    else:
        figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    for model, model_runs in by_model.items():
        # matplotlib's date units plot datetimes; its stubs only name numbers.
        axes.plot(
            [r.finished_at for r in model_runs],
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
    if by_class:
        axes.tick_params(labelbottom=True)  # shared axis: keep the dates under the first panel too
    times = [r.finished_at for runs in by_model.values() for r in runs if r.finished_at is not None]
    if len(set(times)) == 1:  # one moment: give the axis some width so the tick is readable
        axes.set_xlim(times[0] - timedelta(hours=1), times[0] + timedelta(hours=1))
    # Outside the plot (below it, or beside it when a second panel is below): long labels never
    # cover points and are never cut (the PNG is saved with a tight bounding box).
    if by_class:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    else:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1, fontsize="small", frameon=False)
    figure.canvas.draw()  # places the ticks, so their labels can be read
    return figure


def _recall_panel(axes: plt.Axes, by_class: dict[str, list[ClassRecall]], live_name: str) -> None:
    for label, points in by_class.items():
        axes.plot(
            # matplotlib's date units plot datetimes; its stubs only name numbers.
            [p.finished_at for p in points],  # type: ignore[arg-type]
            [100 * (p.recall or 0) for p in points],
            marker=".",
            linewidth=1.2,
            label=shorten(label, 30),
        )
    axes.set_ylim(0, 105)
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel("Recall (%)")
    axes.set_title(f"Category recall of the live model {live_name}".strip(), fontsize="medium")
    axes.grid(True, alpha=0.3)
    # Beside the panel, in columns when there are many categories, so it stays as tall as the panel.
    columns = max(1, (len(by_class) + 11) // 12)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=columns, fontsize="small", frameon=False)
