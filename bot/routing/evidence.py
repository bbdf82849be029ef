"""The live evidence on a candidate, for the approval request that would promote it: what its
shadow recorded (pairs, agreement, reviewers' verdicts on disagreements) and what its canary served
(triages, failures, latency, reviewers' verdicts per arm), each figure with its sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.routing.abort import CanaryFigures, canary_figures
from bot.routing.agreement import Agreement, agreement
from storage import canaries, routing
from storage.db import Database
from storage.models import CanaryRoute, ShadowPairStatus, ShadowRoute


@dataclass(frozen=True)
class ShadowEvidence:
    route: ShadowRoute
    pairs: int
    candidate_errors: int
    agreement: Agreement
    verdicts: dict[str, int]  # ShadowVerdict value -> count


@dataclass(frozen=True)
class CanaryEvidence:
    canary: CanaryRoute
    figures: CanaryFigures


@dataclass(frozen=True)
class LiveEvidence:
    shadow: ShadowEvidence | None
    canary: CanaryEvidence | None


async def live_evidence(
    db: Database, endpoint: str, model_id: str, categories: Sequence[str]
) -> LiveEvidence | None:
    """The newest shadow and canary of this model; None when it was never shadowed nor canaried."""
    async with db.session() as session:
        route = await routing.latest_route_of(session, endpoint, model_id)
        canary = await canaries.latest_canary_of(session, endpoint, model_id)
        shadow = None
        if route is not None and route.id is not None:
            counts = await routing.pair_counts(session, route.id)
            answered = await routing.answered_pairs(session, route.id)
            figures = agreement(
                [(live.urgency or "", pair.urgency or "") for pair, live in answered],
                [(live.category or "", pair.category or "") for pair, live in answered],
                categories,
            )
            shadow = ShadowEvidence(
                route,
                sum(counts.values()),
                counts.get(ShadowPairStatus.FAILED, 0),
                figures,
                await routing.verdict_counts(session, route.id),
            )
    if shadow is None and canary is None:
        return None
    canary_part = None
    if canary is not None and canary.id is not None:
        canary_part = CanaryEvidence(canary, await canary_figures(db, canary.id))
    return LiveEvidence(shadow, canary_part)
