"""The every-minute job holds a running canary to its abort rules too: one abort, one message (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.app import scheduled_jobs
from bot.schedule.jobs import monitors_job
from bot.services import Services
from storage.models import CanaryRoute, OutboxMessage, Triage
from tests.support.app_under_test import LIVE_MODEL
from tests.support.quality_services import services  # noqa: F401

CANDIDATE = "ft:gpt-4o-mini-2024-07-18:acme:triage:cand0002"


async def test_the_minute_job_aborts_a_failing_canary_once(services: Services) -> None:  # noqa: F811
    services.settings = services.settings.model_copy(update={"triage_approval_channel": "C0APPROVALS"})
    job = monitors_job(scheduled_jobs(services.settings, services))
    now = datetime.now(UTC)
    async with services.db.transaction() as session:
        canary = CanaryRoute(
            started_by="U0A", approved_by="U0L", endpoint="openai", model_id=CANDIDATE, percent=10
        )
        session.add(canary)
        await session.flush()
        for i in range(20):  # the minimum sample, 3 of them fallbacks: 15% > 5%
            session.add(
                Triage(
                    created_at=now - timedelta(minutes=1),
                    source="command",
                    input_text=f"m{i}",
                    endpoint="openai",
                    model_id=CANDIDATE if i >= 3 else LIVE_MODEL,
                    prompt_version="triage_v1",
                    status="ok",
                    urgency="low",
                    category="bug",
                    latency_ms=50,
                    arm="candidate" if i >= 3 else "fallback",
                    canary_id=canary.id,
                    candidate_error=None if i >= 3 else "off_schema",
                )
            )
    note = await job.run(now, now)
    assert f"canary #{canary.id} aborted" in note
    assert "aborted" not in await job.run(now + timedelta(minutes=1), now + timedelta(minutes=1))
    async with services.db.session() as session:
        (ended,) = (await session.exec(select(CanaryRoute))).all()
        told = [m for m in (await session.exec(select(OutboxMessage))).all() if "aborted" in str(m.payload)]
    assert ended.state == "aborted" and ended.ended_by == "monitor"
    assert len(told) == 1 and "3 of 20" in str(told[0].payload) and "C0APPROVALS" in str(told[0].payload)
