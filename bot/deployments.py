"""The live model: read from the database on every use, never cached, so every process agrees."""

from __future__ import annotations

import logging

from bot.errors import NotFound
from bot.settings import DEFAULT_ENDPOINT
from storage import crud
from storage.db import Database
from storage.models import Deployment

log = logging.getLogger(__name__)


async def live_deployment(db: Database) -> Deployment:
    async with db.session() as session:
        deployment = await crud.get_live_deployment(session)
    if deployment is None:
        raise NotFound(
            "No model is deployed yet. An operator needs to set TRIAGE_DEFAULT_MODEL and restart the bot."
        )
    return deployment


async def ensure_initial_deployment(db: Database, default_model: str | None) -> Deployment | None:
    """Record TRIAGE_DEFAULT_MODEL as the first deployment; later changes go through approvals only."""
    async with db.transaction() as session:
        await crud.lock_deployments(session)
        live = await crud.get_live_deployment(session)
        if live is not None:
            if default_model and default_model != live.model_id:
                log.info(
                    "TRIAGE_DEFAULT_MODEL=%s is ignored: the database says %s is live (use /model switch)",
                    default_model,
                    live.model_id,
                )
            return live
        if not default_model:
            return None
        first = Deployment(
            endpoint=DEFAULT_ENDPOINT,
            model_id=default_model,
            kind="initial",
            requested_by="config",
            reason="TRIAGE_DEFAULT_MODEL at first start",
        )
        session.add(first)
        await session.flush()
        return first
