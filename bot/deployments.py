"""The live model, as every process agrees on it: the newest `deployments` row.

Deployments are append-only (a switch or rollback adds a row, nothing updates one), so the newest
row's id is a complete version of "what is live". Every use reads only that id (one indexed
`max(id)`, no ORM session, no row to hydrate; on SQLite straight through the driver, one hop to its
thread instead of five) and reuses the row this process read last while the id is unchanged. A switch made by any process, through any path, adds a row and so changes the id: the
next read anywhere sees it, with no invalidation message to lose.
"""

from __future__ import annotations

import logging
import weakref

from sqlalchemy import func, select

from bot.errors import NotFound
from bot.settings import DEFAULT_ENDPOINT
from storage import crud
from storage.db import Database
from storage.models import Deployment

log = logging.getLogger(__name__)

_NEWEST_ID = select(func.max(Deployment.id))  # type: ignore[arg-type]
_NEWEST_ID_SQL = "SELECT max(id) FROM deployments"
# The last live row each Database read. Weak: a disposed Database (tests make many) takes its entry along.
_last_read: weakref.WeakKeyDictionary[Database, Deployment] = weakref.WeakKeyDictionary()


def _nothing_deployed() -> NotFound:
    return NotFound(
        "No model is deployed yet. An operator needs to set TRIAGE_DEFAULT_MODEL and restart the bot."
    )


async def newest_deployment_id(db: Database) -> int | None:
    """The version of "what is live", as committed right now by any process."""
    async with db.engine.connect() as conn:
        if not db.sqlite:
            return await conn.scalar(_NEWEST_ID)
        # Our SQLite connections run in driver autocommit (BEGIN is ours to issue, see storage.db)
        # and none was begun here, so this one statement reads the latest commit of any process.
        raw = await conn.get_raw_connection()
        rows = await raw.driver_connection.execute_fetchall(_NEWEST_ID_SQL)  # type: ignore[union-attr]
        return int(rows[0][0]) if rows and rows[0][0] is not None else None


async def live_deployment(db: Database) -> Deployment:
    """The live deployment. Shared between callers of this process: read it, never change or add it."""
    newest_id = await newest_deployment_id(db)
    if newest_id is None:
        raise _nothing_deployed()
    cached = _last_read.get(db)
    if cached is not None and cached.id == newest_id:
        return cached
    async with db.session() as session:
        deployment = await crud.get_live_deployment(session)
    if deployment is None:  # cannot happen: deployments are never deleted
        raise _nothing_deployed()
    _last_read[db] = deployment
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
