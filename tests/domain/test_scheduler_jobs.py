"""Scheduled jobs: posted when their time comes, exactly once across processes, made up after
downtime, retried (bounded) when Slack is down, and listed by `triagebot jobs`."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import select

from bot import cli
from bot.app import scheduled_jobs
from bot.schedule.claims import MAX_ATTEMPTS
from bot.schedule.jobs import DIGEST_JOB, EVAL_JOB, Job, configured_jobs
from bot.schedule.runner import JobRunner
from bot.schedule.scheduler import JobScheduler
from bot.services import Services
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.models import EvalRun, JobRun
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY, Bot
from tests.support.quality_services import open_services, script_all, seed_cases

CHANNEL = "C0DIGEST"
EVERY_SECOND = CronTrigger(second="*", timezone=UTC)


def jobs_of(services: Services, **replace: object) -> dict[str, Job]:
    jobs = configured_jobs(scheduled_jobs(services.settings, services))
    return {job.name: dataclasses.replace(job, **replace) for job in jobs}  # type: ignore[arg-type]


async def job_runs(services: Services, name: str) -> list[JobRun]:
    async with services.db.session() as session:
        return list((await session.exec(select(JobRun).where(JobRun.job_name == name))).all())


def digest_posts(slack: SlackStandIn) -> list:
    return [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL]


async def test_digest_is_posted_when_its_time_comes_with_the_chart_in_its_thread(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    async with open_services(
        sqlite_url, slack_standin, openai_standin, triage_digest_channel=CHANNEL
    ) as services:
        await seed_cases(services)
        script_all(openai_standin, LIVE_MODEL)
        await services.eval_runner.run("openai", LIVE_MODEL, trigger="cli")
        job = jobs_of(services, trigger=EVERY_SECOND)[DIGEST_JOB]
        scheduler = JobScheduler(JobRunner(services.db, [job]))
        scheduler.start()
        try:
            (post,) = (await slack_standin.wait_for_async("chat.postMessage", timeout=5))[:1]
            (upload,) = (await slack_standin.wait_for_async("files.completeUploadExternal", timeout=5))[:1]
        finally:
            await scheduler.shutdown()
    assert post.params["channel"] == CHANNEL
    assert "Triage model digest" in str(post.params["blocks"])
    assert upload.params["channel_id"] == CHANNEL and upload.params["thread_ts"]
    assert any(size > 1000 for size in slack_standin.uploads.values())  # a real PNG went up


async def test_two_processes_post_each_scheduled_digest_exactly_once(
    any_db_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    async with (
        open_services(any_db_url, slack_standin, openai_standin, triage_digest_channel=CHANNEL) as one,
        open_services(any_db_url, slack_standin, openai_standin, triage_digest_channel=CHANNEL) as two,
    ):
        job_one = jobs_of(one, trigger=EVERY_SECOND)[DIGEST_JOB]
        job_two = jobs_of(two, trigger=EVERY_SECOND)[DIGEST_JOB]
        # The same firing seen by both at once: one claim wins.
        now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
        runner_one, runner_two = JobRunner(one.db, [job_one], "one"), JobRunner(two.db, [job_two], "two")
        results = await asyncio.gather(runner_one.fire(job_one, now), runner_two.fire(job_two, now))
        assert sum(r is not None for r in results) == 1
        assert len(digest_posts(slack_standin)) == 1

        schedulers = [JobScheduler(runner_one), JobScheduler(runner_two)]
        for scheduler in schedulers:
            scheduler.start()
        await asyncio.sleep(3.5)
        for scheduler in schedulers:
            await scheduler.shutdown()
        await asyncio.sleep(0.5)
        runs = await job_runs(one, DIGEST_JOB)
    assert len(runs) >= 3
    assert len({r.scheduled_for for r in runs}) == len(runs)
    assert {r.claimed_by for r in runs} <= {"one", "two"}
    done = [r for r in runs if r.status == "done"]
    assert len(digest_posts(slack_standin)) == len(done) >= 3


def test_missed_digest_is_made_up_once_by_two_app_instances_starting_together(
    bot_factory, any_db_url: str, slack_standin: SlackStandIn
) -> None:
    """Both instances find the 09:00 digest unclaimed at start-up; exactly one of them posts it."""
    asyncio.run(claim_digest_before_the_latest(any_db_url))  # the schedule was live before the outage
    first: Bot = bot_factory(any_db_url, triage_digest_channel=CHANNEL, triage_digest_cron="0 9 * * *")
    bot_factory(any_db_url, triage_digest_channel=CHANNEL, triage_digest_cron="0 9 * * *")
    slack_standin.wait_for("chat.postMessage", lambda c: c.params.get("channel") == CHANNEL, timeout=10)
    time.sleep(1.5)
    assert len(digest_posts(slack_standin)) == 1
    (_, run) = sorted(first.rows(JobRun, JobRun.job_name == DIGEST_JOB), key=lambda r: r.scheduled_for)
    assert run.status == "done" and run.scheduled_for.hour == 9 and run.scheduled_for.minute == 0
    assert run.scheduled_for <= datetime.now(UTC)


async def claim_digest_before_the_latest(db_url: str) -> None:
    from bot.schedule.claims import claim, finish
    from storage.db import Database

    db = Database(db_url)
    before = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=2)
    run = await claim(db, DIGEST_JOB, before, "old-process", before)
    assert run is not None and run.id is not None
    await finish(db, run.id, before)
    await db.dispose()


def test_first_start_makes_nothing_up(bot_factory, sqlite_url: str, slack_standin: SlackStandIn) -> None:
    bot: Bot = bot_factory(sqlite_url, triage_digest_channel=CHANNEL, triage_digest_cron="0 9 * * *")
    time.sleep(1.0)
    assert digest_posts(slack_standin) == []
    assert bot.rows(JobRun) == []


async def test_failed_post_is_recorded_and_retried_a_bounded_number_of_times(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    async with open_services(
        sqlite_url, slack_standin, openai_standin, triage_digest_channel=CHANNEL
    ) as services:
        job = jobs_of(services)[DIGEST_JOB]
        runner = JobRunner(services.db, [job])
        now = datetime(2026, 11, 25, 9, 0, 5, tzinfo=UTC)
        slack_standin.fail_next("chat.postMessage", error="channel_not_found", times=MAX_ATTEMPTS + 1)

        await runner.fire(job, now)
        (run,) = await job_runs(services, DIGEST_JOB)
        assert (run.status, run.attempts) == ("failed", 1) and "channel_not_found" in (run.error or "")
        assert run.scheduled_for == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

        await runner.retry_failed(now + timedelta(minutes=1))  # too soon: backing off
        assert (await job_runs(services, DIGEST_JOB))[0].attempts == 1
        later = now
        for attempt in range(2, MAX_ATTEMPTS + 1):
            later += timedelta(hours=1)
            await runner.retry_failed(later)
            (run,) = await job_runs(services, DIGEST_JOB)
            assert (run.status, run.attempts) == ("failed", attempt)
        await runner.retry_failed(later + timedelta(hours=1))  # attempts used up
        (run,) = await job_runs(services, DIGEST_JOB)
        assert run.attempts == MAX_ATTEMPTS
    assert digest_posts(slack_standin) == []


async def test_retry_posts_once_slack_is_back(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    async with open_services(
        sqlite_url, slack_standin, openai_standin, triage_digest_channel=CHANNEL
    ) as services:
        job = jobs_of(services)[DIGEST_JOB]
        runner = JobRunner(services.db, [job])
        now = datetime(2026, 11, 25, 9, 0, 5, tzinfo=UTC)
        slack_standin.fail_next("chat.postMessage", error="fatal_error")
        await runner.fire(job, now)
        await runner.retry_failed(now + timedelta(minutes=5))
        (run,) = await job_runs(services, DIGEST_JOB)
    assert (run.status, run.attempts, run.error) == ("done", 2, None)
    assert len(digest_posts(slack_standin)) == 1


async def test_nightly_eval_runs_the_live_model(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn
) -> None:
    async with open_services(sqlite_url, slack_standin, openai_standin) as services:
        job = jobs_of(services)[EVAL_JOB]
        runner = JobRunner(services.db, [job])
        now = datetime(2026, 11, 25, 2, 0, 1, tzinfo=UTC)
        await runner.fire(job, now)  # empty eval set: skipped, still claimed
        await seed_cases(services)
        script_all(openai_standin, LIVE_MODEL)
        await runner.fire(job, now + timedelta(days=1))
        async with services.db.session() as session:
            (run,) = (await session.exec(select(EvalRun))).all()
        runs = await job_runs(services, EVAL_JOB)
    assert (run.model_id, run.trigger, run.passed_count, run.case_count) == (LIVE_MODEL, "schedule", 4, 4)
    assert sorted(r.status for r in runs) == ["done", "done"]


def test_jobs_command_lists_jobs_next_runs_and_last_runs(
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    openai_standin: OpenAIStandIn,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "DATABASE_URL": sqlite_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{openai_standin.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
        "TRIAGE_TIMEZONE": "Europe/Paris",
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["jobs"]) == 0
    out = capsys.readouterr().out
    assert "nightly_eval: eval run of the live model, cron '0 2 * * *' (Europe/Paris)" in out
    assert "next run: " in out and "CET" in out
    assert "last run: none claimed yet" in out
    assert "digest: quality digest posted to Slack, cron '0 9 * * 1-5'" in out
    assert "not scheduled: TRIAGE_DIGEST_CHANNEL is not set" in out

    monkeypatch.setenv("TRIAGE_DIGEST_CHANNEL", CHANNEL)
    assert cli.main(["eval", "run"]) == 1  # nothing to run, but the live model gets recorded
    capsys.readouterr()

    async def claim_one() -> None:
        from bot.schedule.claims import claim, finish
        from storage.db import Database

        db = Database(sqlite_url)
        run = await claim(
            db, DIGEST_JOB, datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "host:1", datetime.now(UTC)
        )
        assert run is not None and run.id is not None
        await finish(db, run.id, datetime.now(UTC), "Slack said no")
        await db.dispose()

    asyncio.run(claim_one())
    assert cli.main(["jobs"]) == 0
    out = capsys.readouterr().out
    assert "last run: 2026-11-24 09:00 CET (failed, attempt 1, by host:1, error: Slack said no)" in out
