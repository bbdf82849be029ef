"""The live model, as every process agrees on it: the newest `deployments` row.

Deployments are append-only (a switch or rollback adds a row, nothing updates one), so the newest
row's key fields are a complete version of "what is live". Every use reads only those (one indexed
read of the newest row's id, endpoint, model and time, compiled once and run through the driver
(storage.driver); no ORM session, no object to build) and reuses the row this process
read last while they are unchanged. A switch made by any process, through any path, adds a row and
so changes the version: the next read anywhere sees it, with no invalidation message to lose. The
version is more than the id so that a reused id (SQLite hands out max(id) + 1 again after a restore
or a hand-deleted row) cannot pass for the row this process knew.
"""

from __future__ import annotations

import logging
import weakref

from sqlalchemy import text

from bot.errors import NotFound
from bot.settings import DEFAULT_ENDPOINT
from storage import crud
from storage.db import Database
from storage.driver import Statement
from storage.models import Deployment
from storage.statuses import DeploymentKind

log = logging.getLogger(__name__)

Version = tuple[str, ...]
_NEWEST = Statement(
    lambda _dialect: text("SELECT id, endpoint, model_id, created_at FROM deployments ORDER BY id DESC LIMIT 1")
)
# The last live row each Database read, with the version it was read at. Weak: a disposed Database
# (tests make many) takes its entry along.
_last_read: weakref.WeakKeyDictionary[Database, tuple[Version, Deployment]] = weakref.WeakKeyDictionary()


def _nothing_deployed() -> NotFound:
    return NotFound(
        "No model is deployed yet. An operator needs to set TRIAGE_DEFAULT_MODEL and restart the bot."
    )


async def live_version(db: Database) -> Version | None:
    """The version of "what is live" as committed right now by any process; None: nothing deployed."""
    rows = await db.read_rows(_NEWEST)
    return tuple(str(value) for value in rows[0]) if rows else None


async def live_deployment(db: Database) -> Deployment:
    """The live deployment. Shared between callers of this process: read it, never change or add it."""
    version = await live_version(db)
    if version is None:
        raise _nothing_deployed()
    cached = _last_read.get(db)
    if cached is not None and cached[0] == version:
        return cached[1]
    async with db.session() as session:
        deployment = await crud.get_live_deployment(session)
    if deployment is None:  # cannot happen: deployments are never deleted
        raise _nothing_deployed()
    # Stored with the version read before it: if a switch landed in between, the row is the newer
    # one and the next use, seeing a version that differs, reads again. Never the other way round.
    _last_read[db] = (version, deployment)
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
            kind=DeploymentKind.INITIAL,
            requested_by="config",
            reason="TRIAGE_DEFAULT_MODEL at first start",
        )
        session.add(first)
        await session.flush()
        return first
