"""Human agreement: how often two reviewers give a triage the same labels, beyond chance. It is the
ceiling a model's kappa against reviewers can be read against: no model is expected to agree with
reviewers more than they agree with each other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.quality.metrics import Pair, cohens_kappa, describe_kappa, weighted_kappa
from bot.triage import URGENCIES
from storage import reviews
from storage.db import Database
from storage.reviews import ReviewerLabels


@dataclass(frozen=True)
class HumanAgreement:
    """Reviewer-reviewer kappa over the triages with at least two reviewers (`n` of them)."""

    n: int
    urgency_kappa: float | None  # linearly weighted: urgency is ordinal
    category_kappa: float | None  # Cohen's

    def urgency(self) -> str:
        return describe_kappa(self.urgency_kappa, self.n) if self.n else "no second opinions yet"

    def category(self) -> str:
        return describe_kappa(self.category_kappa, self.n) if self.n else "no second opinions yet"

    def describe(self) -> str:
        if not self.n:
            return "no triage has two reviewers yet (ask for a second opinion on a reviewed triage)"
        return (
            f"urgency {self.urgency()}, category {self.category()} "
            f"(reviewer against reviewer, {self.n} triage(s) with two reviewers)"
        )


def agreement_of(verdicts: Sequence[ReviewerLabels], categories: Sequence[str]) -> HumanAgreement:
    """One pair per triage: its first two reviewers' latest labels (the original verdict and the
    first second opinion), so a triage judged by five people does not count ten times."""
    by_triage: dict[int, list[ReviewerLabels]] = {}
    for verdict in verdicts:
        by_triage.setdefault(verdict.triage_id, []).append(verdict)
    urgency: list[Pair] = []
    category: list[Pair] = []
    for found in by_triage.values():
        if len(found) < 2:
            continue
        first, second = sorted(found, key=lambda v: v.check_id)[:2]
        urgency.append((first.urgency, second.urgency))
        category.append((first.category, second.category))
    return HumanAgreement(
        len(urgency),
        weighted_kappa(urgency, list(URGENCIES)),
        cohens_kappa(category, list(categories)),
    )


async def human_agreement(db: Database, categories: Sequence[str]) -> HumanAgreement:
    async with db.session() as session:
        verdicts = await reviews.multi_reviewed(session)
    return agreement_of(verdicts, categories)
