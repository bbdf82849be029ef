"""Chi-square goodness of fit for category-mix drift, without SciPy: the p-value is the regularised
upper incomplete gamma function Q(k/2, x/2), by series below a+1 and a continued fraction above."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

_EPS = 1e-14
_MAX_STEPS = 500


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its series; converges fast for x < a + 1."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_STEPS):
        denominator += 1
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by Lentz's continued fraction; converges fast for x >= a + 1."""
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, _MAX_STEPS):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi_square_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X ~ chi-square with `dof` degrees of freedom."""
    if dof <= 0:
        raise ValueError("degrees of freedom must be positive")
    if statistic <= 0:
        return 1.0
    a, x = dof / 2, statistic / 2
    if x < a + 1:
        return max(0.0, min(1.0, 1 - _lower_series(a, x)))
    return max(0.0, min(1.0, _upper_fraction(a, x)))


@dataclass(frozen=True)
class DriftTest:
    statistic: float
    dof: int
    p_value: float
    n: int
    biggest_change: str | None  # the category whose share moved most, for the message


def category_drift(current: Mapping[str, int], baseline: Mapping[str, int]) -> DriftTest | None:
    """Does the current window's category mix differ from the baseline's? Expected counts come from
    the baseline's shares; categories the baseline never saw get a small floor so a brand-new
    category counts as drift instead of dividing by zero. None when either side is empty."""
    n, total = sum(current.values()), sum(baseline.values())
    if n == 0 or total == 0:
        return None
    labels = sorted(set(current) | set(baseline))
    floor = 0.5 / total  # half a case's share: the baseline could have missed it by chance
    shares = {label: max(baseline.get(label, 0) / total, floor) for label in labels}
    scale = sum(shares.values())
    statistic = 0.0
    biggest, moved = None, 0.0
    for label in labels:
        expected = n * shares[label] / scale
        observed = current.get(label, 0)
        statistic += (observed - expected) ** 2 / expected
        change = abs(observed / n - baseline.get(label, 0) / total)
        if change > moved:
            biggest, moved = label, change
    dof = len(labels) - 1
    if dof == 0:
        return DriftTest(0.0, 0, 1.0, n, None)
    return DriftTest(statistic, dof, chi_square_sf(statistic, dof), n, biggest)
