"""How often the candidate agrees with the live model, per field, on the shadow pairs.

Agreement is not accuracy: neither side is ground truth. Reviewers' verdicts on disagreements
(bot.routing.review) say which side was right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.quality.metrics import Accuracy, Pair, cohens_kappa, describe_kappa, weighted_kappa
from bot.triage import URGENCIES


@dataclass(frozen=True)
class FieldAgreement:
    field: str
    agreed: Accuracy  # share of pairs with the same label
    kappa: float | None  # beyond chance: weighted for urgency (ordinal), Cohen's for category

    def describe(self) -> str:
        return (
            f"{self.field}: {self.agreed.describe()} agree, kappa {describe_kappa(self.kappa, self.agreed.n)}"
        )


@dataclass(frozen=True)
class Agreement:
    urgency: FieldAgreement
    category: FieldAgreement
    both: Accuracy  # pairs agreeing on both fields


def agreement(
    urgencies: Sequence[Pair], categories: Sequence[Pair], category_labels: Sequence[str]
) -> Agreement:
    """`urgencies`/`categories`: (live, candidate) labels, one per answered pair, in the same order."""
    same_urgency = [live == candidate for live, candidate in urgencies]
    same_category = [live == candidate for live, candidate in categories]
    n = len(same_urgency)
    return Agreement(
        urgency=FieldAgreement(
            "urgency", Accuracy(sum(same_urgency), n), weighted_kappa(urgencies, URGENCIES)
        ),
        category=FieldAgreement(
            "category", Accuracy(sum(same_category), n), cohens_kappa(categories, category_labels)
        ),
        both=Accuracy(sum(u and c for u, c in zip(same_urgency, same_category, strict=True)), n),
    )
