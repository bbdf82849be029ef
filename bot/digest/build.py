"""Assemble a digest for a period: figures from SQL, plus one live check of the live model."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.cron import fire_before
from bot.digest import queries
from bot.digest.evidence import add_evidence
from bot.digest.figures import SHUTDOWN_WARNING_DAYS, Availability, Digest, LatestRun, Live, RunScore
from bot.errors import ModelError, ModelUnknown, NotFound
from bot.model_client import ModelClient
from bot.quality.cost_report import with_right_share
from bot.quality.costs import Price, period_cost, price_for
from bot.quality.eval_runs import run_summary
from bot.routing.summary import routing_summary
from storage import costs, crud
from storage.db import Database

log = logging.getLogger(__name__)

MIN_PERIOD = timedelta(hours=24)
# Eval runs of other models older than this are too stale to recommend as a replacement.
CANDIDATE_WINDOW = timedelta(days=30)
CHART_WINDOW = timedelta(days=90)


def digest_period(trigger: CronTrigger, end: datetime) -> tuple[datetime, datetime]:
    """Since the scheduled digest before `end`, and never less than a day (a Monday digest covers
    the weekend; asking at 9:05 still shows yesterday)."""
    previous = fire_before(trigger, end)
    start = end - MIN_PERIOD
    if previous is not None and previous < start:
        start = previous
    return start, end


async def build_digest(
    db: Database,
    models: ModelClient,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    prices: Sequence[Price] = (),
    categories: Sequence[str] | None = None,
) -> Digest:
    async with db.session() as session:
        deployment = await crud.get_live_deployment(session)
        if deployment is None:
            return Digest(start, end, None)
        live = Live(deployment.endpoint, deployment.model_id, deployment.created_at)
        digest = Digest(start, end, live, response_mode=models.modes.label(live.endpoint, live.model_id))
        live_model = (live.endpoint, live.model_id)
        runs = await queries.finished_runs(session, live_model, 2)
        digest.previous_run = runs[1] if len(runs) > 1 else None
        previous_model = await queries.previous_model(session, deployment)
        digest.previous_model = previous_model
        if previous_model:
            before = await queries.finished_runs(session, previous_model, 1)
            digest.previous_model_run = before[0] if before else None
        digest.baseline = digest.previous_run or digest.previous_model_run
        if runs and digest.baseline is not None:
            digest.regression_count, digest.regressions = await queries.regressions(
                session, runs[0].run_id, digest.baseline.run_id
            )
        digest.reviews = await queries.review_figures(session, start, end)
        digest.triages = await queries.triage_figures(session, live_model, start, end)
        digest.eval_runs_in_period = await queries.eval_runs_between(session, start, end)
        if digest.triages.live_volume:
            price = price_for(prices, live.endpoint, live.model_id, end.date())
            # One pass over the period's triages serves the live model's cost and the spend line.
            digest.triage_usage = await costs.triage_usage(session, start, end)
            used = digest.triage_usage.get(live_model)
            cost = period_cost(price, used.as_inputs() if used else (0,) * 7)
            digest.cost = await with_right_share(session, cost, live_model, start, end)
        digest.replacement = await queries.best_other_run(session, live_model, now - CANDIDATE_WINDOW)
    if runs:
        summary = await run_summary(db, runs[0].run_id)
        digest.latest = LatestRun(
            runs[0],
            summary.urgency_accuracy,
            summary.category_accuracy,
            summary.latency_p50_ms,
            summary.latency_p95_ms,
        )
    await add_evidence(digest, db, categories=categories, prices=prices, start=start, end=end)
    digest.availability = await check_availability(models, live, now)
    await add_countdowns(digest, db, models, now)
    digest.routing = await routing_summary(db)
    return digest


async def add_countdowns(digest: Digest, db: Database, models: ModelClient, now: datetime) -> None:
    """A countdown line for every model that matters; a warning for those within 30 or 7 days of
    their date, or past it (the live model's own published date is warned about already)."""
    from bot import shutdowns  # here: bot.shutdowns imports the registry, which the digest need not load

    found = await shutdowns.refresh(db, models, now)
    digest.countdown_lines = [shutdowns.describe(c, now) for c in found]
    endpoint_date = digest.availability.shutdown_date if digest.availability else None
    for countdown in found:
        threshold = countdown.warning(now)
        warned = shutdowns.LIVE in countdown.roles and countdown.shutdown_date == endpoint_date
        if threshold is not None and threshold <= SHUTDOWN_WARNING_DAYS and not warned:
            digest.other_shutdown_warnings.append(shutdowns.describe(countdown, now))


async def check_availability(models: ModelClient, live: Live, now: datetime) -> Availability:
    try:
        info = await models.retrieve_model(live.endpoint, live.model_id)
    except ModelUnknown:
        return Availability(False, "the endpoint no longer knows it (retired or deleted).", None, None)
    except (ModelError, NotFound) as exc:
        return Availability(False, exc.user_message, None, None)
    days = (info.shutdown_date - now.date()).days if info.shutdown_date else None
    if days is not None and days <= 0:
        return Availability(
            False, f"it reached its shutdown date {info.shutdown_date}.", info.shutdown_date, days
        )
    return Availability(True, None, info.shutdown_date, days)


async def chart_history(db: Database, now: datetime) -> list[RunScore]:
    async with db.session() as session:
        return await queries.pass_rate_history(session, now - CHART_WINDOW)
