"""What is watched, and when it is a problem. Defaults a team can start with; overridable per
monitor with TRIAGE_MONITORS (JSON: {"failure_rate": {"alert": 0.3, "window_minutes": 30}, ...})."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ALERT = "alert"
    NO_DATA = "no_data"  # fewer samples in the window than the monitor needs to say anything


class NoData(StrEnum):
    """What too few samples means for a monitor."""

    KEEP = "keep"  # stay as it was: a quiet night neither opens nor resolves an incident
    OK = "ok"  # resolve: no traffic, no problem
    ALERT = "alert"  # silence itself is the problem (e.g. no triages at all during office hours)


@dataclass(frozen=True)
class MonitorSpec:
    name: str
    description: str
    unit: (
        str  # "%" (a share 0..1), "ms", "p" (a p-value: lower is worse), "$" (money, TRIAGE_PRICES' currency)
    )
    window_minutes: int
    warning: float
    alert: float
    min_sample: int
    no_data: NoData = NoData.KEEP
    enabled: bool = True

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    @property
    def lower_is_worse(self) -> bool:
        return self.unit == "p"

    def level(self, value: float | None, sample: int) -> Level:
        if value is None or sample < self.min_sample:
            return Level.NO_DATA
        def worse(limit: float) -> bool:
            return value <= limit if self.lower_is_worse else value >= limit

        if worse(self.alert):
            return Level.ALERT
        if worse(self.warning):
            return Level.WARNING
        return Level.OK

    def shown(self, value: float | None) -> str:
        if value is None:
            return "no data"
        if self.unit == "%":
            return f"{value * 100:.1f}%"
        if self.unit == "ms":
            return f"{value:,.0f} ms"
        if self.unit == "$":
            # Under a cent, "$0.00" would read as nothing spent: show the hundred-thousandths.
            return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.5f}"
        return f"p={value:.4f}"


DEFAULT_SPECS: tuple[MonitorSpec, ...] = (
    MonitorSpec(
        "failure_rate",
        "triages that failed (errors, off-schema answers, timeouts)",
        "%",
        window_minutes=15,
        warning=0.10,
        alert=0.20,
        min_sample=20,
    ),
    MonitorSpec(
        "latency_p95",
        "95th percentile of model latency",
        "ms",
        window_minutes=15,
        warning=8_000,
        alert=15_000,
        min_sample=20,
    ),
    MonitorSpec(
        "review_wrong_rate",
        "reviewer verdicts marking the live model wrong",
        "%",
        window_minutes=24 * 60,
        warning=0.25,
        alert=0.40,
        min_sample=10,
    ),
    MonitorSpec(
        "category_drift",
        "category mix of the last day against the 7 days before (chi-square test)",
        "p",
        window_minutes=24 * 60,
        warning=0.01,
        alert=0.001,
        min_sample=50,
    ),
    MonitorSpec(
        "shadow_disagreement",
        "shadowed candidate answers whose urgency or category differ from the live model's",
        "%",
        window_minutes=24 * 60,
        warning=0.20,
        alert=0.35,
        min_sample=30,
    ),
    MonitorSpec(
        "spend_per_day",
        "what model calls (live, shadow, eval) cost over the last 24 hours, from TRIAGE_PRICES",
        "$",
        window_minutes=24 * 60,
        warning=50.0,
        alert=100.0,
        # No call at all is a known $0; a model without a price is unknown (no data), never $0.
        min_sample=0,
    ),
)


def configured_specs(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[MonitorSpec]:
    """The defaults with per-monitor overrides; an unknown monitor or field is a ValueError naming it
    (the settings turn it into the usual exit-2 message)."""
    overrides = dict(overrides or {})
    known = {spec.name: spec for spec in DEFAULT_SPECS}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"unknown monitor(s) {', '.join(unknown)}; known: {', '.join(known)}")
    allowed = {f.name for f in fields(MonitorSpec)} - {"name", "description", "unit"}
    specs = []
    for name, spec in known.items():
        change = dict(overrides.get(name, {}))
        bad = sorted(set(change) - allowed)
        if bad:
            raise ValueError(
                f"monitor {name}: unknown field(s) {', '.join(bad)}; allowed: {', '.join(sorted(allowed))}"
            )
        if "no_data" in change:
            change["no_data"] = NoData(change["no_data"])
        specs.append(replace(spec, **change))
    return specs
