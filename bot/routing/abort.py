"""The canary's automatic abort (never an automatic promotion).

Once the candidate has served at least `min_sample` triages of the canary (fallbacks included),
the canary is stopped when its failure rate is above the limit, or its p95 latency is above the
limit (default: twice the live arm's p95 over the same canary), or reviewers mark its answers
wrong significantly more often than the live arm's (Fisher's exact test, one-sided, with a
minimum number of reviews on each arm). The stop is a conditional update, so of every process
and every check racing on the same canary exactly one aborts it, and the approvals channel's
message is queued in the outbox in that same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import comb

from bot.outbox import effects as outbox
from bot.outbox.effects import SlackEffect, no_effects
from bot.quality.stats import percentiles
from bot.settings import Settings
from storage import canaries
from storage.db import Database
from storage.models import CanaryEvent, CanaryRoute, CanaryState, TriageArm

log = logging.getLogger(__name__)

ABORTED_BY = "monitor"  # CanaryRoute.ended_by of an automatic abort
REVIEW_MIN_SAMPLE = 10  # reviews on each arm before the reviewers' rule can fire
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class ArmReviews:
    reviews: int
    wrong: int

    @property
    def wrong_rate(self) -> float | None:
        return self.wrong / self.reviews if self.reviews else None


@dataclass(frozen=True)
class CanaryFigures:
    """One canary's evidence so far, per arm, each figure with its sample."""

    live_triages: int
    live_failed: int
    candidate_served: int  # answered by the candidate
    fallbacks: int  # the candidate failed; the live model answered
    candidate_p95_ms: int | None
    live_p95_ms: int | None
    live_reviews: ArmReviews
    candidate_reviews: ArmReviews

    @property
    def candidate_triages(self) -> int:
        return self.candidate_served + self.fallbacks

    @property
    def failure_rate(self) -> float | None:
        return self.fallbacks / self.candidate_triages if self.candidate_triages else None


@dataclass(frozen=True)
class AbortRules:
    min_sample: int = 20  # TRIAGE_CANARY_MIN_SAMPLE
    max_error_rate: float = 0.05  # TRIAGE_CANARY_MAX_ERROR_RATE
    max_p95_ms: int | None = None  # TRIAGE_CANARY_MAX_P95_MS; None: twice the live arm's p95


@dataclass(frozen=True)
class Abort:
    canary: CanaryRoute
    figures: CanaryFigures
    reasons: list[str]


AbortEffects = Callable[[Abort], Sequence[SlackEffect]]


def abort_rules(settings: Settings) -> AbortRules:
    return AbortRules(
        min_sample=settings.triage_canary_min_sample,
        max_error_rate=settings.triage_canary_max_error_rate,
        max_p95_ms=settings.triage_canary_max_p95_ms,
    )


def fisher_greater(a_wrong: int, a_n: int, b_wrong: int, b_n: int) -> float:
    """One-sided p-value of Fisher's exact test that arm A's wrong rate is greater than arm B's."""
    total, wrong = a_n + b_n, a_wrong + b_wrong
    denominator = comb(total, a_n)
    tail = sum(comb(wrong, x) * comb(total - wrong, a_n - x) for x in range(a_wrong, min(a_n, wrong) + 1))
    return tail / denominator if denominator else 1.0


async def canary_figures(db: Database, canary_id: int) -> CanaryFigures:
    async with db.session() as session:
        counts = await canaries.arm_counts(session, canary_id)
        failed = await canaries.arm_failed(session, canary_id, TriageArm.LIVE)
        (candidate_p95,) = await percentiles(
            session, canaries.latency_column(), canaries.arm_is(canary_id, TriageArm.CANDIDATE), (0.95,)
        )
        (live_p95,) = await percentiles(
            session, canaries.latency_column(), canaries.arm_is(canary_id, TriageArm.LIVE), (0.95,)
        )
        reviews = await canaries.review_counts(session, canary_id)
    return CanaryFigures(
        live_triages=counts.get(TriageArm.LIVE, 0),
        live_failed=failed,
        candidate_served=counts.get(TriageArm.CANDIDATE, 0),
        fallbacks=counts.get(TriageArm.FALLBACK, 0),
        candidate_p95_ms=candidate_p95,
        live_p95_ms=live_p95,
        live_reviews=ArmReviews(*reviews.get(TriageArm.LIVE, (0, 0))),
        candidate_reviews=ArmReviews(*reviews.get(TriageArm.CANDIDATE, (0, 0))),
    )


# Without TRIAGE_CANARY_MAX_P95_MS, a candidate is too slow at twice the live arm's p95 *and* at least
# this much above it.
DEFAULT_P95_MARGIN_MS = 250


def abort_reasons(figures: CanaryFigures, rules: AbortRules) -> list[str]:
    """Why the canary must stop, with the figures; empty while it may go on (or the sample is small)."""
    n = figures.candidate_triages
    if n < rules.min_sample:
        return []
    reasons: list[str] = []
    rate = figures.failure_rate or 0.0
    if rate > rules.max_error_rate:
        reasons.append(
            f"candidate failure rate {rate:.0%} ({figures.fallbacks} of {n} triages fell back to the live "
            f"model) is above {rules.max_error_rate:.0%} (TRIAGE_CANARY_MAX_ERROR_RATE)"
        )
    limit, source = rules.max_p95_ms, "TRIAGE_CANARY_MAX_P95_MS"
    if limit is None and figures.live_p95_ms:
        live_p95 = figures.live_p95_ms
        # Twice a few milliseconds is noise, not a slow model: the default also wants a real gap.
        limit = max(2 * live_p95, live_p95 + DEFAULT_P95_MARGIN_MS)
        source = f"twice the live model's {live_p95:,} ms, and at least {DEFAULT_P95_MARGIN_MS} ms more"
    if limit is not None and figures.candidate_p95_ms is not None and figures.candidate_p95_ms > limit:
        reasons.append(
            f"candidate p95 latency {figures.candidate_p95_ms:,} ms over {figures.candidate_served} answers "
            f"is above {limit:,} ms ({source})"
        )
    live, candidate = figures.live_reviews, figures.candidate_reviews
    if min(live.reviews, candidate.reviews) >= REVIEW_MIN_SAMPLE:
        p = fisher_greater(candidate.wrong, candidate.reviews, live.wrong, live.reviews)
        if p < SIGNIFICANCE and (candidate.wrong_rate or 0) > (live.wrong_rate or 0):
            reasons.append(
                f"reviewers marked {candidate.wrong} of {candidate.reviews} candidate answers wrong against "
                f"{live.wrong} of {live.reviews} live ones (Fisher's exact test, p = {p:.3f})"
            )
    return reasons


async def check_canary(
    db: Database,
    rules: AbortRules,
    now: datetime,
    *,
    canary_id: int | None = None,
    effects: AbortEffects = no_effects,
) -> Abort | None:
    """Abort the active canary (or `canary_id`, if still active) when the rules say so; None otherwise."""
    async with db.session() as session:
        canary = await canaries.active_canary(session)
    if canary is None or canary.id is None or (canary_id is not None and canary.id != canary_id):
        return None
    figures = await canary_figures(db, canary.id)
    reasons = abort_reasons(figures, rules)
    if not reasons:
        return None
    why = "; ".join(reasons)
    async with db.transaction() as session:
        if not await canaries.end_canary(session, canary.id, CanaryState.ABORTED, ABORTED_BY, why, now):
            return None  # stopped, replaced or aborted by someone else meanwhile
        await canaries.add_event(
            session,
            CanaryEvent(canary_id=canary.id, at=now, action="abort", by=ABORTED_BY, reason=why),
        )
        ended = await session.get(CanaryRoute, canary.id)
        assert ended is not None
        abort = Abort(ended, figures, reasons)
        await outbox.enqueue(session, f"canary:{canary.id}:aborted", effects(abort), now)
    log.warning("canary #%d of %s aborted: %s", canary.id, canary.model_id, why)
    return abort


async def check_quietly(
    db: Database,
    rules: AbortRules,
    now: datetime,
    canary_id: int,
    effects: AbortEffects,
    on_abort: Callable[[], None],
) -> None:
    """The background check after a candidate triage: a failure is one log line, never a traceback."""
    try:
        if await check_canary(db, rules, now, canary_id=canary_id, effects=effects) is not None:
            on_abort()  # the outbox worker sends the approvals channel's message at once
    except Exception as exc:  # the check must never surface on the triage path
        log.warning("canary #%d abort check failed: %s", canary_id, type(exc).__name__)
