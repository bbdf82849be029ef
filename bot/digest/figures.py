"""What a digest says, as plain data: rendering (terminal text, Block Kit) reads only this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.quality.agreement import HumanAgreement
from bot.quality.cost_report import Spend
from bot.quality.costs import CostFigures
from bot.quality.evidence import RunEvidence
from bot.quality.metrics import PairedComparison
from bot.quality.stats import ratio
from bot.routing.summary import RoutingSummary
from storage.costs import Usage
from storage.models import Incident

SHUTDOWN_WARNING_DAYS = 30


@dataclass(frozen=True)
class RunScore:
    run_id: int
    endpoint: str
    model_id: str
    finished_at: datetime | None
    cases: int
    passed: int
    errors: int

    @property
    def pass_rate(self) -> float | None:
        return ratio(self.passed, self.cases)


@dataclass(frozen=True)
class ClassRecall:
    """One class in one eval run: how many cases truly had it and how many the model got."""

    run_id: int
    finished_at: datetime
    label: str
    support: int
    hits: int

    @property
    def recall(self) -> float | None:
        return ratio(self.hits, self.support)


@dataclass(frozen=True)
class LatestRun:
    score: RunScore
    urgency_accuracy: float | None
    category_accuracy: float | None
    latency_p50_ms: int | None
    latency_p95_ms: int | None


@dataclass(frozen=True)
class ReviewFigures:
    model_id: str
    reviews: int
    agreed: int
    endpoint: str = "openai"

    @property
    def agreement(self) -> float | None:
        return ratio(self.agreed, self.reviews)


@dataclass(frozen=True)
class TriageFigures:
    live_volume: int
    live_failed: int
    other_volume: int  # triages in the period by models other than the live one
    latency_p50_ms: int | None
    latency_p95_ms: int | None

    @property
    def error_rate(self) -> float | None:
        return ratio(self.live_failed, self.live_volume)


@dataclass(frozen=True)
class Regression:
    case_id: int
    input_text: str
    expected: str  # "urgency / category"
    got: str  # the model's labels, or its error


@dataclass(frozen=True)
class Availability:
    answers: bool
    problem: str | None  # why it does not answer, in the user's words
    shutdown_date: date | None
    days_left: int | None


@dataclass(frozen=True)
class Live:
    endpoint: str
    model_id: str
    since: datetime


@dataclass
class Digest:
    period_start: datetime
    period_end: datetime
    live: Live | None
    latest: LatestRun | None = None
    previous_run: RunScore | None = None  # same model, the run before the latest
    previous_model_run: RunScore | None = None  # the model live before this one
    baseline: RunScore | None = None  # what regressions are measured against
    regressions: list[Regression] = field(default_factory=list)
    regression_count: int = 0
    reviews: list[ReviewFigures] = field(default_factory=list)
    triages: TriageFigures | None = None
    eval_runs_in_period: int = 0
    availability: Availability | None = None
    replacement: RunScore | None = None
    cost: CostFigures | None = None  # the live model's, in the period (None: no triages)
    response_mode: str | None = None  # "strict schema" or "JSON mode", as the next triage will ask
    # Countdowns to the shutdown dates of every model that matters (bot/shutdowns.py), soonest first,
    # in words; and those within a warning threshold (90, 30, 7 days) other than the live model.
    countdown_lines: list[str] = field(default_factory=list)
    other_shutdown_warnings: list[str] = field(default_factory=list)
    # Where live triages go now (bot/routing/summary.py): the shadow and the canary with their counters.
    routing: RoutingSummary | None = None
    # Classification-grade figures (bot/digest/evidence.py): the latest run of the live model per
    # field and class, the reviewers' kappa (the human ceiling), the paired test against the
    # previous model's run, the monitor incidents open during the period and all spend in it.
    evidence: RunEvidence | None = None
    human: HumanAgreement | None = None
    paired: PairedComparison | None = None
    # The same, on live traffic: the reviewers' verdicts on shadow pairs from when the live model was
    # shadowed against the previous one (agreeing pairs count as unchanged).
    previous_model: tuple[str, str] | None = None
    paired_reviews: PairedComparison | None = None
    incidents: list[Incident] = field(default_factory=list)
    spend: Spend | None = None
    # Every model's live traffic in the period, read once for the live model's cost and the spend.
    triage_usage: dict[tuple[str, str], Usage] | None = None

    @property
    def empty(self) -> bool:
        """Nothing happened in the period: no triage, no review, no eval run."""
        triaged = self.triages is not None and (self.triages.live_volume or self.triages.other_volume)
        return not (triaged or self.reviews or self.eval_runs_in_period)

    @property
    def warnings(self) -> list[str]:
        """Loud problems, worded for a team lead, most urgent first."""
        found: list[str] = []
        if self.live is None:
            return ["No model is deployed. Set TRIAGE_DEFAULT_MODEL and restart, or approve a switch."]
        model, check = self.live.model_id, self.availability
        if check is not None and not check.answers:
            found.append(f"The live model {model} does not answer: {check.problem}")
        elif check is not None and check.days_left is not None and check.days_left < SHUTDOWN_WARNING_DAYS:
            when = check.shutdown_date.isoformat() if check.shutdown_date else "soon"
            found.append(
                f"The live model {model} shuts down on {when} ({check.days_left} days left); its fine-tunes "
                "stop working with it."
            )
        if found:
            found.append(self.replacement_advice())
        return found + self.other_shutdown_warnings

    def replacement_advice(self) -> str:
        best = self.replacement
        if best is None or best.pass_rate is None:
            return (
                "No other model has a recent eval run to compare: evaluate a candidate with "
                "`/model eval <model-id>` and switch with `/model switch <model-id>`."
            )
        return (
            f"Best candidate from recent eval runs: {best.model_id} on {best.endpoint} "
            f"({best.pass_rate * 100:.1f}% pass rate in run #{best.run_id}). "
            f"Consider `/model switch {best.model_id} on {best.endpoint}`."
        )
