"""Read-only views of the registry: the live model, pending requests, history, available fine-tunes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from bot.deployments import live_deployment
from bot.errors import InvalidInput, ModelError
from bot.model_client import FINE_TUNING_JOBS, FineTunedModel, ModelClient
from bot.settings import DEFAULT_ENDPOINT
from storage import crud, shutdowns, snapshots
from storage.db import Database
from storage.models import Deployment, SwitchRequest
from storage.statuses import RequestKind

log = logging.getLogger(__name__)

DEFAULT_HISTORY = 10
MAX_HISTORY = 50


@dataclass(frozen=True)
class ModelStatus:
    live: Deployment
    shutdown_date: date | None
    # Why the shutdown date is unknown (endpoint unreachable...), or None when it was read.
    shutdown_unknown: str | None
    pending: list[SwitchRequest]
    # "strict schema", or "JSON mode" while the endpoint refuses the strict schema for this model.
    response_mode: str = "strict schema"


@dataclass(frozen=True)
class ListedModel:
    model: FineTunedModel
    live: bool
    response_mode: str = "strict schema"  # "JSON mode" while its endpoint refuses the strict schema
    candidate: bool = False  # a pending switch request proposes it
    snapshotted: bool = False  # a finished behaviour snapshot of it is kept
    shutdown_date: date | None = None  # the earliest stored date (read from the endpoint or set)


@dataclass(frozen=True)
class ModelListing:
    endpoint: str
    live: Deployment
    models: list[ListedModel]
    source: str = FINE_TUNING_JOBS  # or MODEL_LIST, for endpoints without a fine-tuning API
    default_endpoint: str = DEFAULT_ENDPOINT  # where `/model switch` without `on` goes
    other_endpoints: tuple[str, ...] = ()  # configured, not listed here


async def pending_requests(db: Database, now: datetime) -> list[SwitchRequest]:
    """Requests that can still be approved (expired ones are closed lazily, on the next click)."""
    async with db.session() as session:
        pending = await crud.get_pending_requests(session)
    return [r for r in pending if r.expires_at > now]


async def model_status(db: Database, models: ModelClient, now: datetime) -> ModelStatus:
    live = await live_deployment(db)
    shutdown, unknown = None, None
    try:
        shutdown = (await models.retrieve_model(live.endpoint, live.model_id)).shutdown_date
    except ModelError as exc:
        # Status must answer even when the endpoint does not; say why the date is missing.
        log.info("shutdown date of %s unavailable: %s", live.model_id, exc.user_message)
        unknown = exc.user_message
    mode = models.modes.label(live.endpoint, live.model_id)
    return ModelStatus(live, shutdown, unknown, await pending_requests(db, now), mode)


def history_limit(arg: str) -> int:
    arg = arg.strip()
    if not arg:
        return DEFAULT_HISTORY
    if not arg.isdigit() or not 1 <= int(arg) <= MAX_HISTORY:
        raise InvalidInput(
            f"Use `/model history [n]` with n from 1 to {MAX_HISTORY} (default {DEFAULT_HISTORY})."
        )
    return int(arg)


async def history(db: Database, limit: int) -> list[Deployment]:
    async with db.session() as session:
        return await crud.get_recent_deployments(session, min(max(limit, 1), MAX_HISTORY))


async def recent_requests(db: Database, limit: int) -> list[SwitchRequest]:
    async with db.session() as session:
        result = await session.exec(select(SwitchRequest).order_by(col(SwitchRequest.id).desc()).limit(limit))
        return list(result.all())


async def fine_tuned_models(
    db: Database, models: ModelClient, endpoint: str, default_endpoint: str = DEFAULT_ENDPOINT
) -> ModelListing:
    models.endpoint(endpoint)
    live = await live_deployment(db)
    found = await models.list_fine_tuned_models(endpoint)
    candidates, snapshotted, dates = await _marks(db, endpoint)
    listed = [
        ListedModel(
            ft,
            live=(live.endpoint, live.model_id) == (endpoint, ft.model_id),
            response_mode=models.modes.label(endpoint, ft.model_id),
            candidate=ft.model_id in candidates,
            snapshotted=ft.model_id in snapshotted,
            shutdown_date=dates.get(ft.model_id),
        )
        for ft in found.models
    ]
    others = tuple(name for name in sorted(models.endpoints) if name != endpoint)
    return ModelListing(endpoint, live, listed, found.source, default_endpoint, others)


async def _marks(db: Database, endpoint: str) -> tuple[set[str], set[str], dict[str, date]]:
    """What the listing marks besides live, for models of this endpoint: pending candidates,
    snapshotted models, and the earliest shutdown date stored for each (nothing is fetched)."""
    async with db.session() as session:
        pending = await crud.get_pending_requests(session)
        kept = await snapshots.all_snapshots(session)
        stored = await shutdowns.all_dates(session)
    candidates = {r.model_id for r in pending if r.endpoint == endpoint and r.kind == RequestKind.SWITCH}
    snapshotted = {s.model_id for s in kept if s.endpoint == endpoint and s.finished_at is not None}
    dates: dict[str, date] = {}
    for row in stored:
        if row.endpoint == endpoint and row.shutdown_date is not None:
            dates[row.model_id] = min(row.shutdown_date, dates.get(row.model_id, row.shutdown_date))
    return candidates, snapshotted, dates
