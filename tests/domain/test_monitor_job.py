"""The every-minute monitor job (issue 11): a missed minute needs no catch-up, so neither the run made
up at start-up nor a retry replays old minutes; a late run is skipped, not evaluated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.app import scheduled_jobs
from bot.schedule.claims import claim, finish
from bot.schedule.jobs import MONITORS_JOB, Job, monitors_job
from bot.schedule.runner import JobRunner
from bot.services import Services
from storage.models import Incident, JobRun, Triage
from tests.support.app_under_test import LIVE_MODEL
from tests.support.quality_services import services  # noqa: F401


def _job(services: Services) -> Job:  # noqa: F811
    services.settings = services.settings.model_copy(update={"triage_alert_channel": "C0ALERTS"})
    return monitors_job(scheduled_jobs(services.settings, services))


async def _failing_traffic(services: Services, at: datetime) -> None:  # noqa: F811
    async with services.db.transaction() as session:
        for i in range(20):
            session.add(
                Triage(
                    created_at=at,
                    source="command",
                    input_text=f"m{i}",
                    endpoint="openai",
                    model_id=LIVE_MODEL,
                    prompt_version="triage_v1",
                    status="failed" if i < 10 else "ok",
                    urgency=None if i < 10 else "low",
                    category=None if i < 10 else "bug",
                    latency_ms=None if i < 10 else 50,
                )
            )


async def _runs(services: Services) -> list[JobRun]:  # noqa: F811
    async with services.db.session() as session:
        stmt = select(JobRun).where(col(JobRun.job_name) == MONITORS_JOB).order_by(col(JobRun.scheduled_for))
        return list((await session.exec(stmt)).all())


async def test_an_hour_down_makes_up_one_minute_not_sixty(services: Services) -> None:  # noqa: F811
    job = _job(services)
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    an_hour_ago = now.replace(second=0) - timedelta(hours=1)
    run = await claim(services.db, MONITORS_JOB, an_hour_ago, "old", an_hour_ago)
    assert run is not None and run.id is not None
    await finish(services.db, run.id, an_hour_ago)

    await JobRunner(services.db, [job], claimed_by="new").catch_up(now)

    runs = await _runs(services)
    assert [r.scheduled_for for r in runs] == [an_hour_ago, now.replace(second=0)]


async def test_a_late_run_is_skipped_and_opens_nothing(services: Services) -> None:  # noqa: F811
    job = _job(services)
    now = datetime.now(UTC)
    await _failing_traffic(services, now - timedelta(minutes=1))

    note = await job.run(now - timedelta(minutes=5), now)  # a retry of a failed minute, say
    assert note.startswith("skipped")
    async with services.db.session() as session:
        assert (await session.exec(select(Incident))).all() == []

    assert "1 incident change(s)" in await job.run(now, now)  # on time: 50% failed opens one


async def test_finished_minutes_older_than_two_days_are_forgotten(services: Services) -> None:  # noqa: F811
    job = _job(services)
    now = datetime.now(UTC)
    for age in (timedelta(days=3), timedelta(days=1)):
        run = await claim(services.db, MONITORS_JOB, now - age, "old", now - age)
        assert run is not None and run.id is not None
        await finish(services.db, run.id, now - age)

    await job.run(now, now)

    assert [now - r.scheduled_for for r in await _runs(services)] == [timedelta(days=1)]


async def test_a_monitor_has_at_most_one_open_incident(services: Services) -> None:  # noqa: F811
    now = datetime.now(UTC)

    def incident(resolved: datetime | None = None) -> Incident:
        return Incident(
            monitor="failure_rate",
            endpoint="openai",
            model_id=LIVE_MODEL,
            level="alert",
            worst_level="alert",
            resolved_at=resolved,
        )

    async with services.db.transaction() as session:
        session.add_all([incident(now), incident(now), incident()])  # resolved ones may pile up
    with pytest.raises(IntegrityError):
        async with services.db.transaction() as session:
            session.add(incident())  # a second open one, as two overlapping evaluations would make
