"""Where live triages go right now, with the counters that prove it: for `/model status`, the App
Home and the digest (the live model; the shadow candidate and its pairs, candidate errors and calls
skipped by the cap; the canary and what its candidate served, failed and handed back to live)."""

from __future__ import annotations

from dataclasses import dataclass

from storage import canaries, routing
from storage.db import Database
from storage.models import CanaryRoute, ShadowPairStatus, ShadowRoute, TriageArm


@dataclass(frozen=True)
class ShadowCounters:
    route: ShadowRoute
    pairs: int
    candidate_errors: int
    skipped_by_cap: int


@dataclass(frozen=True)
class CanaryCounters:
    canary: CanaryRoute
    served: int  # answered by the candidate
    failed: int  # the candidate failed: each one a fallback to the live model
    live_arm: int  # triages of the canary's window on the live arm


@dataclass(frozen=True)
class RoutingSummary:
    shadow: ShadowCounters | None
    canary: CanaryCounters | None

    @property
    def live_percent(self) -> int:
        """The share of live triages the live model serves (everything but the canary's)."""
        return 100 - (self.canary.canary.percent if self.canary else 0)


async def routing_summary(db: Database) -> RoutingSummary:
    async with db.session() as session:
        route = await routing.active_route(session)
        canary = await canaries.active_canary(session)
        shadow = None
        if route is not None and route.id is not None:
            counts = await routing.pair_counts(session, route.id)
            shadow = ShadowCounters(
                route, sum(counts.values()), counts.get(ShadowPairStatus.FAILED, 0), route.skipped_by_cap
            )
        canary_counters = None
        if canary is not None and canary.id is not None:
            arms = await canaries.arm_counts(session, canary.id)
            canary_counters = CanaryCounters(
                canary,
                arms.get(TriageArm.CANDIDATE, 0),
                arms.get(TriageArm.FALLBACK, 0),
                arms.get(TriageArm.LIVE, 0),
            )
    return RoutingSummary(shadow, canary_counters)
