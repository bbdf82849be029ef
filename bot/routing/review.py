"""Reviewers judge the shadow's disagreements: was the live model right, the candidate, or neither?

The verdict is stored on the pair (shadow_pairs.verdict), first click wins: a double click or a
second reviewer gets the verdict already recorded, never a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import InvalidInput, NotFound
from storage import routing
from storage.db import Database
from storage.models import ShadowPair, ShadowVerdict, Triage


@dataclass(frozen=True)
class Disagreement:
    pair_id: int
    triage_id: int
    input_text: str
    live_model: str
    live_urgency: str
    live_category: str
    candidate_model: str
    candidate_urgency: str
    candidate_category: str
    verdict: ShadowVerdict | None
    verdict_by: str | None

    @classmethod
    def of(cls, pair: ShadowPair, live: Triage) -> Disagreement:
        assert pair.id is not None
        return cls(
            pair_id=pair.id,
            triage_id=pair.triage_id,
            input_text=live.input_text,
            live_model=live.model_id,
            live_urgency=live.urgency or "",
            live_category=live.category or "",
            candidate_model=pair.model_id,
            candidate_urgency=pair.urgency or "",
            candidate_category=pair.category or "",
            verdict=ShadowVerdict(pair.verdict) if pair.verdict else None,
            verdict_by=pair.verdict_by,
        )


@dataclass(frozen=True)
class Judged:
    disagreement: Disagreement  # with the verdict as stored
    recorded: bool  # False: someone had already judged it; theirs stands


class ShadowReviews:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self.clock = db, clock

    async def next_disagreement(self) -> Disagreement | None:
        """The oldest unjudged disagreement of the current shadow (or the last one, once stopped)."""
        async with self.db.session() as session:
            route = await routing.latest_route(session)
            if route is None or route.id is None:
                return None
            found = await routing.next_unreviewed_disagreement(session, route.id)
        return Disagreement.of(*found) if found else None

    async def judge(self, pair_id: int, verdict: str, reviewer: str) -> Judged:
        try:
            chosen = ShadowVerdict(verdict)
        except ValueError:
            raise InvalidInput("That button is out of date. Run `/model shadow review` again.") from None
        async with self.db.transaction() as session:
            found = await routing.pair_with_triage(session, pair_id)
            if found is None:
                raise NotFound("That shadow answer no longer exists.")
            recorded = await routing.set_verdict(session, pair_id, chosen, reviewer, self.clock())
        async with self.db.session() as session:
            found = await routing.pair_with_triage(session, pair_id)
        assert found is not None
        return Judged(Disagreement.of(*found), recorded)
