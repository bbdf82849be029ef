"""The figures of eval runs as evidence: per-field accuracy, kappa and per-class recall, and two
runs compared case by case. Reads the stored checks; the arithmetic is in bot.quality.metrics."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.quality.metrics import (
    Accuracy,
    ClassFigures,
    Pair,
    PairedComparison,
    cohens_kappa,
    paired_comparison,
    per_class,
    recall_drops,
    weighted_kappa,
)
from bot.triage import URGENCIES
from storage.db import Database
from storage.models import EvalCase, QualityCheck


@dataclass(frozen=True)
class FieldEvidence:
    field: str  # urgency | category
    accuracy: Accuracy
    kappa: float | None  # linearly weighted for urgency, Cohen's for category
    classes: list[ClassFigures]

    @property
    def n(self) -> int:
        return self.accuracy.n


@dataclass(frozen=True)
class RunEvidence:
    run_id: int
    urgency: FieldEvidence
    category: FieldEvidence
    passed: dict[int, bool]  # case ID -> both fields right


@dataclass(frozen=True)
class ClassDrop:
    field: str
    label: str
    before: float
    after: float


@dataclass(frozen=True)
class Comparison:
    """A candidate's run against the live model's, on the cases both ran."""

    paired: PairedComparison
    class_drops: list[ClassDrop]


def _field(name: str, pairs: list[Pair], labels: list[str], ordinal: bool) -> FieldEvidence:
    correct = sum(1 for expected, got in pairs if expected == got)
    kappa = weighted_kappa(pairs, labels) if ordinal else cohens_kappa(pairs, labels)
    return FieldEvidence(name, Accuracy(correct, len(pairs)), kappa, per_class(pairs, labels))


async def run_evidence(db: Database, run_id: int, categories: list[str]) -> RunEvidence:
    """A run's checks as labelled pairs. Expected labels are the ones the check was judged by (a
    case corrected later does not rewrite old runs); an error is an answer in no class."""
    stmt = (
        select(QualityCheck, EvalCase)
        .join(EvalCase, col(EvalCase.id) == col(QualityCheck.case_id))
        .where(col(QualityCheck.run_id) == run_id)
        .order_by(col(QualityCheck.case_id))
    )
    async with db.session() as session:
        rows = (await session.exec(stmt)).all()
    urgency: list[Pair] = []
    category: list[Pair] = []
    passed: dict[int, bool] = {}
    for check, case in rows:
        output = check.output or {}
        urgency.append((check.expected_urgency or case.expected_urgency, str(output.get("urgency", ""))))
        category.append((check.expected_category or case.expected_category, str(output.get("category", ""))))
        if case.id is not None:
            passed[case.id] = check.passed
    return RunEvidence(
        run_id,
        _field("urgency", urgency, list(URGENCIES), ordinal=True),
        _field("category", category, list(categories), ordinal=False),
        passed,
    )


def compare(live: RunEvidence, candidate: RunEvidence, max_class_drop: float) -> Comparison:
    drops = [
        ClassDrop(field, label, before, after)
        for field, old, new in (
            ("urgency", live.urgency, candidate.urgency),
            ("category", live.category, candidate.category),
        )
        for label, before, after in recall_drops(old.classes, new.classes, max_class_drop)
    ]
    return Comparison(paired_comparison(live.passed, candidate.passed), drops)
