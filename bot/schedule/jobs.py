"""The scheduled jobs, defined from configuration: the nightly eval of the live model and the digest."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from bot.cron import cron_trigger
from bot.digest.build import digest_period
from bot.digest.publish import publish_digest
from bot.monitors.service import evaluate
from bot.quality.eval_runs import target_deployment
from bot.quality.eval_set import count_cases
from bot.routing.abort import abort_rules, check_canary
from bot.schedule.deps import JobDeps
from storage.db import Database
from storage.models import JobRun
from storage.statuses import JobRunStatus

log = logging.getLogger(__name__)

EVAL_JOB = "nightly_eval"
DIGEST_JOB = "digest"

# (scheduled_for, now) -> a short note for the log
JobFunction = Callable[[datetime, datetime], Awaitable[str]]


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    cron: str
    timezone: str
    trigger: CronTrigger
    run: JobFunction
    disabled: str | None = None  # why it is not scheduled


def eval_job(services: JobDeps) -> JobFunction:
    async def run(scheduled_for: datetime, now: datetime) -> str:
        if not await count_cases(services.db):
            log.info("nightly eval skipped: the eval set is empty")
            return "skipped: the eval set is empty"
        endpoint, model_id = await target_deployment(services.db, None, None)
        summary = await services.eval_runner.run(endpoint, model_id, trigger="schedule", now=now)
        return f"eval run #{summary.run_id}: {summary.passed}/{summary.cases} passed"

    return run


def digest_job(services: JobDeps, trigger: CronTrigger) -> JobFunction:
    channel = services.settings.triage_digest_channel

    async def run(scheduled_for: datetime, now: datetime) -> str:
        if not channel:
            return "skipped: TRIAGE_DIGEST_CHANNEL is not set"
        start, end = digest_period(trigger, scheduled_for)
        await publish_digest(
            services.db,
            services.models,
            services.publisher,
            channel,
            start=start,
            end=end,
            now=now,
            prices=list(services.prices),
            categories=services.settings.triage_categories,
        )
        return f"digest posted to {channel}"

    return run


# ---- W3: shutdown watch (issue 12) -------------------------------------------------------------
SHUTDOWN_WATCH_JOB = "shutdown_watch"
SHUTDOWN_WATCH_CRON = "0 7 * * *"  # daily: the warnings count days, and snapshots need a week's notice


def shutdown_watch_job(services: JobDeps) -> JobFunction:
    """Read every model that matters' shutdown date, warn once per model and threshold (90, 30, 7 days,
    shut down) through the outbox, and snapshot the live model when it is close to its date."""
    from bot import shutdowns
    from bot.outbox import effects as outbox
    from bot.snapshots.due import record_live_if_due

    settings = services.settings
    channel = settings.triage_alert_channel or settings.triage_approval_channel

    async def run(scheduled_for: datetime, now: datetime) -> str:
        found = await shutdowns.refresh(services.db, services.models, now)
        warned = 0
        if channel:
            async with services.db.transaction() as session:
                for countdown, threshold in shutdowns.warnings_due(found, now):
                    effect = services.renderers.shutdown_warning(countdown, threshold, channel, now)
                    # One key per model, date and threshold: a daily run (or a rerun) warns once.
                    await outbox.enqueue(session, shutdowns.warning_key(countdown, threshold), [effect], now)
                    warned += 1
            services.outbox.ring()
        decision, done = await record_live_if_due(
            services.db,
            services.models,
            found,
            now,
            days_before=settings.triage_snapshot_days_before_shutdown,
            categories=settings.triage_categories,
            concurrency=settings.triage_eval_concurrency,
        )
        snapshot = f"snapshot #{done.snapshot.id} recorded" if done else f"no snapshot: {decision.why}"
        return f"{len(found)} model(s) read, {warned} warning(s) due; {snapshot}"

    return run


def shutdown_watch(services: JobDeps) -> Job:
    tz = services.settings.triage_timezone
    trigger = cron_trigger(SHUTDOWN_WATCH_CRON, tz)
    return Job(
        SHUTDOWN_WATCH_JOB,
        "shutdown dates read and warned about; live model snapshotted before its shutdown",
        SHUTDOWN_WATCH_CRON,
        tz,
        trigger,
        shutdown_watch_job(services),
    )


# ---- end W3 ------------------------------------------------------------------------------------


def configured_jobs(services: JobDeps) -> list[Job]:
    settings = services.settings
    tz = settings.triage_timezone
    eval_trigger = cron_trigger(settings.triage_eval_cron, tz)
    digest_trigger = cron_trigger(settings.triage_digest_cron, tz)
    return [
        Job(
            EVAL_JOB,
            "eval run of the live model",
            settings.triage_eval_cron,
            tz,
            eval_trigger,
            eval_job(services),
        ),
        Job(
            DIGEST_JOB,
            "quality digest posted to Slack",
            settings.triage_digest_cron,
            tz,
            digest_trigger,
            digest_job(services, digest_trigger),
            disabled=None if settings.triage_digest_channel else "TRIAGE_DIGEST_CHANNEL is not set",
        ),
        monitors_job(services),
        shutdown_watch(services),
    ]


# --- Monitors (issue 11): every minute, each minute claimed once across processes -----------------
MONITORS_JOB = "monitors"
MONITORS_CRON = "* * * * *"
# A minute's run that starts later than this (a retry of a failed run, a run made up at start-up)
# is skipped: the next minute reads the same window anyway, so there is nothing to catch up on.
MONITORS_STALE_AFTER = timedelta(seconds=90)
# 1,440 claims a day: finished ones older than this are forgotten (`triagebot jobs` needs the last).
MONITORS_KEEP_RUNS = timedelta(days=2)


async def forget_old_monitor_runs(db: Database, before: datetime) -> int:
    async with db.transaction() as session:
        result = await session.exec(
            delete(JobRun).where(
                col(JobRun.job_name) == MONITORS_JOB,
                col(JobRun.scheduled_for) < before,
                col(JobRun.status) != JobRunStatus.RUNNING,
            )
        )
    return int(result.rowcount or 0)


def monitors_run(services: JobDeps) -> JobFunction:
    settings = services.settings
    channel = settings.triage_alert_channel or settings.triage_approval_channel

    async def run(scheduled_for: datetime, now: datetime) -> str:
        if now - scheduled_for > MONITORS_STALE_AFTER:
            return f"skipped: {scheduled_for.isoformat()} is past; the next minute reads the same window"
        assert channel is not None
        try:
            changes = await evaluate(
                services.db,
                services.monitor_specs,
                now,
                services.renderers.incident_changes(channel, now),
                services.prices,
            )
        except IntegrityError:
            # Another process's evaluation (of an earlier, slow minute) opened the same incident
            # first; this one rolled back whole, and the next minute carries on from theirs.
            return "skipped: another evaluation opened an incident at the same moment"
        told = [c for c in changes if not c.muted]
        # A canary whose traffic went quiet is still held to its abort rules (issue 10).
        told_to = settings.triage_approval_channel or channel
        aborted = await check_canary(
            services.db, abort_rules(settings), now, effects=services.renderers.canary_abort(told_to)
        )
        await forget_old_monitor_runs(services.db, now - MONITORS_KEEP_RUNS)
        if told or aborted:
            services.outbox.ring()
        note = f"; canary #{aborted.canary.id} aborted" if aborted else ""
        said = f"{len(changes)} incident change(s), {len(told)} told in {channel}" if changes else "all quiet"
        return said + note

    return run


def monitors_job(services: JobDeps) -> Job:
    settings = services.settings
    tz = settings.triage_timezone
    disabled = None
    if not (settings.triage_alert_channel or settings.triage_approval_channel):
        disabled = "neither TRIAGE_ALERT_CHANNEL nor TRIAGE_APPROVAL_CHANNEL is set"
    elif not any(spec.enabled for spec in services.monitor_specs):
        disabled = "every monitor is disabled in TRIAGE_MONITORS"
    return Job(
        MONITORS_JOB,
        "monitors evaluated; incidents posted, edited and resolved in the alert channel",
        MONITORS_CRON,
        tz,
        cron_trigger(MONITORS_CRON, tz),
        monitors_run(services),
        disabled=disabled,
    )
