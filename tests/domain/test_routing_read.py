"""The per-triage routing read: one statement says which canary runs and whether a shadow does,
as committed by any process, on SQLite and PostgreSQL (issue 10: at most one read per triage)."""

from __future__ import annotations

from sqlalchemy import update

from bot.routing.canary import CanaryRouter, active_routing
from storage.db import Database
from storage.migrate import upgrade
from storage.models import CanaryRoute, CanaryState, Deployment, ShadowRoute, ShadowState, TriageArm
from tests.support.app_under_test import LIVE_MODEL

CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"


async def test_one_read_finds_the_canary_and_the_shadow(any_db_url: str) -> None:
    upgrade(any_db_url)
    db = Database(any_db_url)
    live = Deployment(endpoint="openai", model_id=LIVE_MODEL, kind="initial", requested_by="U0OPS")
    router = CanaryRouter(db)
    try:
        assert await active_routing(db) == (None, False)
        assignment = await router.assign(live, "text:refund")
        assert (assignment.arm, assignment.canary_id, assignment.shadowing) == (TriageArm.LIVE, None, False)

        async with db.transaction() as session:
            session.add(ShadowRoute(started_by="U0L", endpoint="vllm", model_id=CANDIDATE, percent=50))
            stopped = CanaryRoute(
                started_by="U0A", endpoint="openai", model_id=CANDIDATE, percent=100, state=CanaryState.STOPPED
            )
            session.add(stopped)
        split, shadowing = await active_routing(db)
        assert split is None and shadowing  # a stopped canary routes nothing; the shadow is seen

        async with db.transaction() as session:
            canary = CanaryRoute(started_by="U0A", endpoint="openai", model_id=CANDIDATE, percent=100)
            session.add(canary)
            await session.flush()
            canary_id = canary.id
        assert await active_routing(db) == ((canary_id, "openai", CANDIDATE, 100), True)
        assignment = await router.assign(live, "text:refund")
        assert (assignment.arm, assignment.model_id, assignment.shadowing) == (
            TriageArm.CANDIDATE,
            CANDIDATE,
            True,
        )

        async with db.transaction() as session:
            await session.exec(update(ShadowRoute).values(state=ShadowState.STOPPED))
        assert await active_routing(db) == ((canary_id, "openai", CANDIDATE, 100), False)
    finally:
        await db.dispose()
