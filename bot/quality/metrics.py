"""Classification-grade figures for triage: urgency is ordinal, category nominal.

Pure functions over (expected, got) label pairs, so they are tested against hand-computed and
published values. Small samples get "n too small" instead of a confident-looking number, and no
figure ever divides by zero: an undefined figure is None.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95% normal quantile
# Below this many cases, interval, kappa and per-class figures are shown as "n too small".
MIN_SAMPLE = 10
SIGNIFICANCE = 0.05

Pair = tuple[str, str]  # (expected, got); got may be "" when the model gave no answer


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion: sensible at 0%, 100% and small n, unlike p ± z·se."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Accuracy:
    correct: int
    n: int

    @property
    def rate(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.correct, self.n)

    def describe(self) -> str:
        if self.n == 0:
            return "no cases"
        low, high = self.interval or (0.0, 0.0)
        text = f"{self.rate * 100:.1f}% ({self.correct}/{self.n})" if self.rate is not None else "n/a"
        if self.n < MIN_SAMPLE:
            return f"{text}, n too small for an interval"
        return f"{text}, 95% CI {low * 100:.0f} to {high * 100:.0f}%"


@dataclass(frozen=True)
class ClassFigures:
    label: str
    support: int  # how many cases truly had this label
    predicted: int  # how many answers gave this label
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)


def confusion_matrix(pairs: Iterable[Pair], labels: Sequence[str]) -> list[list[int]]:
    """Rows: expected label; columns: the model's label, in `labels` order. Answers outside the
    labels (no answer, off-schema) count in no column, so a row may sum to less than its support."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, got in pairs:
        if expected in index and got in index:
            matrix[index[expected]][index[got]] += 1
    return matrix


def per_class(pairs: Sequence[Pair], labels: Sequence[str]) -> list[ClassFigures]:
    support = Counter(expected for expected, _ in pairs)
    predicted = Counter(got for _, got in pairs)
    hits = Counter(expected for expected, got in pairs if expected == got)
    return [ClassFigures(label, support[label], predicted[label], hits[label]) for label in labels]


def _kappa(pairs: Sequence[Pair], labels: Sequence[str], weight: list[list[float]]) -> float | None:
    """1 - observed/expected weighted disagreement; None when undefined (no cases, or chance
    disagreement is zero: every answer and every expectation the same single label)."""
    index = {label: i for i, label in enumerate(labels)}
    rated = [(index[e], index[g]) for e, g in pairs if e in index and g in index]
    n = len(rated)
    if n == 0:
        return None
    rows = Counter(i for i, _ in rated)
    cols = Counter(j for _, j in rated)
    observed = sum(weight[i][j] for i, j in rated) / n
    expected = sum(weight[i][j] * rows[i] * cols[j] for i in rows for j in cols) / (n * n)
    if expected == 0:
        return None
    return 1 - observed / expected


def cohens_kappa(pairs: Sequence[Pair], labels: Sequence[str]) -> float | None:
    """Agreement beyond chance for a nominal field (category)."""
    k = len(labels)
    return _kappa(pairs, labels, [[0.0 if i == j else 1.0 for j in range(k)] for i in range(k)])


def weighted_kappa(pairs: Sequence[Pair], ordered_labels: Sequence[str]) -> float | None:
    """Linearly weighted kappa for an ordinal field (urgency): low-vs-medium is half as wrong as
    low-vs-high on a three-step scale."""
    k = len(ordered_labels)
    if k < 2:
        return None
    return _kappa(pairs, ordered_labels, [[abs(i - j) / (k - 1) for j in range(k)] for i in range(k)])


def mcnemar_exact(fixed: int, broken: int) -> float:
    """Two-sided exact McNemar p-value: of the cases where the two models differ, is the split
    between fixed and broken more lopsided than a fair coin would make it?"""
    n = fixed + broken
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(fixed, broken) + 1)) / (1 << n)
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class PairedComparison:
    """Two models on the same cases: `fixed` = the new one right where the old one was wrong."""

    both_right: int
    fixed: int
    broken: int
    both_wrong: int

    @property
    def n(self) -> int:
        return self.both_right + self.fixed + self.broken + self.both_wrong

    @property
    def p_value(self) -> float:
        return mcnemar_exact(self.fixed, self.broken)

    @property
    def verdict(self) -> str:
        """ "better" or "worse" only when significant at 5%; otherwise said as such, with n."""
        if self.p_value < SIGNIFICANCE and self.fixed != self.broken:
            return "better" if self.fixed > self.broken else "worse"
        return f"no significant difference (n={self.n})"

    def describe(self) -> str:
        return (
            f"{self.verdict}: {self.fixed} fixed, {self.broken} broken, "
            f"{self.both_right + self.both_wrong} unchanged (McNemar p={self.p_value:.3f})"
        )


def paired_comparison(old: dict[int, bool], new: dict[int, bool]) -> PairedComparison:
    """Compare on the cases both models answered (keyed by case ID); the rest are not comparable."""
    shared = old.keys() & new.keys()
    tally = Counter((old[c], new[c]) for c in shared)
    return PairedComparison(
        both_right=tally[(True, True)],
        fixed=tally[(False, True)],
        broken=tally[(True, False)],
        both_wrong=tally[(False, False)],
    )


def recall_drops(
    before: Sequence[ClassFigures], after: Sequence[ClassFigures], max_drop: float, min_support: int = 1
) -> list[tuple[str, float, float]]:
    """Classes whose recall fell by more than `max_drop` (0..1): (label, before, after)."""
    old = {c.label: c for c in before}
    found = []
    for new in after:
        was = old.get(new.label)
        if was is None or was.recall is None or new.recall is None or new.support < min_support:
            continue
        if was.recall - new.recall > max_drop + 1e-12:
            found.append((new.label, was.recall, new.recall))
    return found


def describe_kappa(value: float | None, n: int) -> str:
    if value is None:
        return "undefined"
    if n < MIN_SAMPLE:
        return f"n too small (n={n})"
    return f"{value:.2f}"
