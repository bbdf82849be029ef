"""What `/model shadow` says: the candidate, the counters proving the mirror fired, the agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.routing.agreement import Agreement, agreement
from bot.routing.mirror import CAP_KEY, day_start
from storage import routing
from storage.db import Database
from storage.models import ShadowPairStatus, ShadowRoute, UsageCounter


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
    )
