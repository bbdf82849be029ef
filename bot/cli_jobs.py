"""`triagebot jobs`: the scheduled jobs, their next run times and the last claimed run of each."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from bot.cli_quality import reported, run_with_services
from bot.services import Services
from bot.settings import Settings


def add_commands(sub: Any) -> None:
    jobs = sub.add_parser("jobs", help="list scheduled jobs, next run times and each one's last run")
    jobs.set_defaults(handler=jobs_command)


def _when(moment: datetime | None, tz: Any) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


@reported
def jobs_command(_args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from bot.cron import next_fire
    from bot.schedule.claims import last_runs
    from bot.schedule.jobs import configured_jobs

    now = datetime.now(UTC)
    tz = ZoneInfo(settings.triage_timezone)

    async def work(services: Services) -> list[str]:
        jobs = configured_jobs(services.job_deps(_NoPublisher(), _NoRenderers()))
        last = await last_runs(services.db, [job.name for job in jobs])
        lines = []
        for job in jobs:
            lines.append(f"{job.name}: {job.description}, cron {job.cron!r} ({job.timezone})")
            if job.disabled:
                lines.append(f"  not scheduled: {job.disabled}")
            else:
                lines.append(f"  next run: {_when(next_fire(job.trigger, now), tz)}")
            run = last.get(job.name)
            if run is None:
                lines.append("  last run: none claimed yet")
                continue
            detail = f"{run.status}, attempt {run.attempts}, by {run.claimed_by}"
            if run.error:
                detail += f", error: {run.error.splitlines()[0][:200]}"
            lines.append(f"  last run: {_when(run.scheduled_for, tz)} ({detail})")
        return lines

    print("\n".join(run_with_services(settings, work)))
    return 0


class _NoPublisher:
    """Listing jobs posts nothing."""

    async def post_digest(self, channel: str, digest: Any) -> str:
        raise RuntimeError("not for posting")

    async def upload_chart(self, channel: str, thread_ts: str, png: bytes, title: str) -> None:
        raise RuntimeError("not for posting")


class _NoRenderers:
    """Listing jobs renders no message."""

    def shutdown_warning(self, countdown: Any, threshold: int, channel: str, now: datetime) -> Any:
        raise RuntimeError("not for rendering")

    def incident_changes(self, channel: str, now: datetime) -> Any:
        raise RuntimeError("not for rendering")

    def canary_abort(self, channel: str) -> Any:
        raise RuntimeError("not for rendering")
