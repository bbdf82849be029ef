"""Scheduled-job history written straight into a database, as an earlier process would have left it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import create_engine
from sqlmodel import Session

from bot.schedule.jobs import DIGEST_JOB
from storage.db import sync_url
from storage.models import JobRun


def seed_digest_run(db_url: str, scheduled_for: datetime) -> None:
    """A digest that ran before: a later start may then make up the ones it missed."""
    engine = create_engine(sync_url(db_url))
    with Session(engine) as session:
        run = JobRun(
            job_name=DIGEST_JOB,
            scheduled_for=scheduled_for,
            claimed_at=scheduled_for,
            claimed_by="earlier-process",
            status="done",
            finished_at=scheduled_for + timedelta(seconds=5),
        )
        session.add(run)
        session.commit()
    engine.dispose()
