"""Classification figures against hand-computed and published values (issue 11, metrics)."""

from __future__ import annotations

import pytest

from bot.quality.metrics import (
    Accuracy,
    cohens_kappa,
    confusion_matrix,
    describe_kappa,
    mcnemar_exact,
    paired_comparison,
    per_class,
    recall_drops,
    weighted_kappa,
    wilson_interval,
)
from tests.support.quality_services import services  # noqa: F401

URGENCY = ["low", "medium", "high"]


def test_wilson_interval_matches_the_textbook_values_and_stays_inside_0_1() -> None:
    low, high = wilson_interval(8, 10) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson_interval(10, 10) or (0, 0)
    assert high == pytest.approx(1.0) and round(low, 4) == 0.7225  # 100% is not "100 ± 0"
    assert wilson_interval(0, 0) is None


def test_accuracy_says_n_too_small_instead_of_a_confident_interval() -> None:
    assert Accuracy(3, 4).describe() == "75.0% (3/4), n too small for an interval"
    assert Accuracy(8, 10).describe() == "80.0% (8/10), 95% CI 49 to 94%"
    assert Accuracy(0, 0).describe() == "no cases" and Accuracy(0, 0).rate is None


def test_cohens_kappa_on_the_published_two_rater_example() -> None:
    # Cohen's kappa, the usual worked example: 50 items, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no:
    # p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohens_kappa(pairs, ["yes", "no"]) == pytest.approx(0.4)


def test_linearly_weighted_kappa_by_hand() -> None:
    # Observed weighted disagreement (0 + .5 + 0 + .5 + 0) / 5 = 0.2. Marginals expected (2,1,2),
    # answered (1,3,1): chance disagreement 11/25 = 0.44. kappa_w = 1 - 0.2/0.44 = 6/11.
    pairs = [("low", "low"), ("low", "medium"), ("medium", "medium"), ("high", "medium"), ("high", "high")]
    assert weighted_kappa(pairs, URGENCY) == pytest.approx(6 / 11)
    # Unweighted, the same answers agree less: near misses count as fully wrong.
    assert cohens_kappa(pairs, URGENCY) < 6 / 11


def test_kappa_is_undefined_rather_than_a_division_by_zero() -> None:
    assert cohens_kappa([], URGENCY) is None
    assert cohens_kappa([("low", "low")] * 5, URGENCY) is None  # no chance disagreement at all
    assert describe_kappa(None, 0) == "undefined"
    assert describe_kappa(0.5, 4) == "n too small (n=4)"
    assert describe_kappa(0.5123, 40) == "0.51"


def test_per_class_precision_recall_f1_support_and_confusion() -> None:
    pairs = [
        ("billing", "billing"),
        ("billing", "bug"),
        ("bug", "bug"),
        ("bug", "bug"),
        ("outage", "bug"),
        ("outage", ""),  # no answer: in support, in no column
    ]
    labels = ["billing", "bug", "outage"]
    figures = {c.label: c for c in per_class(pairs, labels)}
    bug = figures["bug"]
    assert (bug.support, bug.predicted, bug.true_positives) == (2, 4, 2)
    assert (bug.precision, bug.recall, bug.f1) == (0.5, 1.0, pytest.approx(2 / 3))
    outage = figures["outage"]
    assert (outage.precision, outage.recall, outage.f1) == (None, 0.0, None)
    assert confusion_matrix(pairs, labels) == [[1, 1, 0], [0, 2, 0], [0, 1, 0]]


def test_mcnemar_exact_by_hand() -> None:
    # 1 broken vs 9 fixed of 10 discordant cases: 2 * (C(10,0) + C(10,1)) / 2^10 = 22/1024.
    assert mcnemar_exact(9, 1) == pytest.approx(22 / 1024)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(3, 3) == 1.0


def test_paired_verdict_is_better_or_worse_only_when_significant() -> None:
    old = {i: i >= 9 for i in range(20)}  # wrong on cases 0..8
    new = {i: i != 19 for i in range(20)}  # fixes all nine, breaks case 19
    comparison = paired_comparison(old, new)
    assert (comparison.fixed, comparison.broken, comparison.n) == (9, 1, 20)
    assert comparison.verdict == "better"
    assert paired_comparison(new, old).verdict == "worse"
    close = paired_comparison({1: False, 2: True, 3: True}, {1: True, 2: True, 3: True, 4: False})
    assert close.verdict == "no significant difference (n=3)"  # case 4 was never run by the old model


def test_recall_drops_name_the_classes_that_got_worse() -> None:
    labels = ["billing", "bug"]
    before = per_class([("billing", "billing")] * 10 + [("bug", "bug")] * 10, labels)
    after = per_class([("billing", "billing")] * 10 + [("bug", "bug")] * 8 + [("bug", "billing")] * 2, labels)
    assert recall_drops(before, after, max_drop=0.10) == [("bug", 1.0, 0.8)]
    assert recall_drops(before, after, max_drop=0.25) == []


async def test_run_evidence_and_comparison_from_stored_checks(services, openai_standin) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from bot.quality.evidence import compare, run_evidence
    from tests.support.app_under_test import LIVE_MODEL
    from tests.support.quality_services import script_all, seed_cases

    categories = services.settings.triage_categories
    await seed_cases(services)
    runner = services.eval_runner
    script_all(openai_standin, LIVE_MODEL, right=True)
    live = await runner.run("openai", LIVE_MODEL, trigger="cli")
    script_all(openai_standin, LIVE_MODEL, right=False, only=["Case B", "Case D"])  # high -> medium
    candidate = await runner.run("openai", LIVE_MODEL, trigger="cli")

    before = await run_evidence(services.db, live.run_id, categories)
    after = await run_evidence(services.db, candidate.run_id, categories)
    assert (after.urgency.accuracy.correct, after.urgency.accuracy.n) == (2, 4)
    assert after.category.accuracy.rate == 1.0
    high = next(c for c in after.urgency.classes if c.label == "high")
    assert (high.support, high.recall) == (2, 0.0)
    comparison = compare(before, after, max_class_drop=0.10)
    assert [(d.field, d.label, d.before, d.after) for d in comparison.class_drops] == [("urgency", "high", 1.0, 0.0)]
    assert (comparison.paired.fixed, comparison.paired.broken) == (0, 2)
    assert comparison.paired.verdict == "no significant difference (n=4)"
