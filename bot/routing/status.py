"""What `/model shadow` says: the candidate, the counters proving the mirror fired, the agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean, median

from bot.routing.agreement import Agreement, agreement
from bot.routing.mirror import CAP_KEY, day_start
from storage import routing
from storage.db import Database
from storage.models import ShadowPairStatus, ShadowRoute, UsageCounter


@dataclass(frozen=True)
class CallCost:
    """One side's median latency and mean tokens over the answered pairs (None without data)."""

    median_latency_ms: int | None
    mean_tokens: int | None

    @classmethod
    def of(cls, latencies: Sequence[int | None], tokens: Sequence[int | None]) -> CallCost:
        known_latencies = [value for value in latencies if value is not None]
        known_tokens = [value for value in tokens if value is not None]
        return cls(
            round(median(known_latencies)) if known_latencies else None,
            round(mean(known_tokens)) if known_tokens else None,
        )


@dataclass(frozen=True)
class ShadowReport:
    route: ShadowRoute | None  # the active route, else the last one (ended), else None
    pairs: int  # answers recorded, errors included
    candidate_errors: int
    skipped_by_cap: int
    calls_today: int  # candidate calls counted against today's cap, all routes
    daily_cap: int
    agreement: Agreement
    disagreements: int
    verdicts: dict[str, int]  # ShadowVerdict value -> count
    live_cost: CallCost
    candidate_cost: CallCost


async def shadow_report(
    db: Database, *, daily_cap: int, categories: Sequence[str], now: datetime
) -> ShadowReport:
    async with db.session() as session:
        route = await routing.latest_route(session)
        counts: dict[str, int] = {}
        verdicts: dict[str, int] = {}
        answered = []
        if route is not None and route.id is not None:
            counts = await routing.pair_counts(session, route.id)
            verdicts = await routing.verdict_counts(session, route.id)
            answered = await routing.answered_pairs(session, route.id)
        counter = await session.get(UsageCounter, (CAP_KEY, day_start(now)))
    urgencies = [(live.urgency or "", pair.urgency or "") for pair, live in answered]
    labels = [(live.category or "", pair.category or "") for pair, live in answered]
    figures = agreement(urgencies, labels, categories)
    return ShadowReport(
        route=route,
        pairs=sum(counts.values()),
        candidate_errors=counts.get(ShadowPairStatus.FAILED, 0),
        skipped_by_cap=route.skipped_by_cap if route else 0,
        calls_today=min(counter.count, daily_cap) if counter else 0,
        daily_cap=daily_cap,
        agreement=figures,
        disagreements=figures.both.n - figures.both.correct,
        verdicts=verdicts,
        live_cost=CallCost.of(
            [live.latency_ms for _, live in answered],
            [_tokens(live.prompt_tokens, live.completion_tokens) for _, live in answered],
        ),
        candidate_cost=CallCost.of(
            [pair.latency_ms for pair, _ in answered],
            [_tokens(pair.prompt_tokens, pair.completion_tokens) for pair, _ in answered],
        ),
    )


def _tokens(prompt: int | None, completion: int | None) -> int | None:
    return None if prompt is None or completion is None else prompt + completion
