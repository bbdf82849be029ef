"""Shutdown dates of every model that matters: read from the endpoints, or set by an operator where
the host publishes none, and counted down (issue 12).

Models that matter: the live model, the previous one (the rollback target), pending candidates,
every model named in recent requests, and any model an operator gave a date. A fine-tune stops
answering with its base (OpenAI: `ft:<base>:…`), so a base's date counts for its fine-tunes.
When several dates are known for one model (the endpoint's, the operator's, its base's), the
earliest counts: a warning that comes too early costs a look, one that comes too late costs triage.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.errors import InvalidInput, ModelError, NotAllowed, NotFound
from bot.model_client import ModelClient
from bot.registry.approvers import Approvers
from bot.registry.model_ids import days_left, validate_model_id
from bot.registry.shutdown_dates import base_of, record_reading
from bot.registry.status import pending_requests, recent_requests
from storage import crud
from storage import shutdowns as queries
from storage.db import Database
from storage.models import ModelShutdown, ShutdownSource

log = logging.getLogger(__name__)

# Warnings when a model that matters comes within this many days of its shutdown date.
WARNING_DAYS = (90, 30, 7)
RECENT_REQUESTS = 20

LIVE, PREVIOUS, CANDIDATE, REQUESTED, OPERATOR_SET = (
    "live",
    "previous",
    "pending candidate",
    "recently requested",
    "date set by an operator",
)

ModelKey = tuple[str, str]  # (endpoint, model_id)


@dataclass(frozen=True)
class Countdown:
    endpoint: str
    model_id: str
    roles: tuple[str, ...]
    shutdown_date: date | None  # the earliest known, None: no date known from any source
    source: str | None  # "endpoint" | "operator" | "base" (its base model's date)
    read_at: datetime | None  # when that date was read or set
    set_by: str | None = None
    unread: bool = False  # no source was ever read for it (endpoint unreachable so far)

    def days_left(self, now: datetime) -> int | None:
        return days_left(self.shutdown_date, now) if self.shutdown_date else None

    def warning(self, now: datetime) -> int | None:
        """The tightest warning threshold (90, 30, 7 days) it is within; 0 once shut down."""
        left = self.days_left(now)
        if left is None:
            return None
        if left <= 0:
            return 0
        within = [days for days in WARNING_DAYS if left <= days]
        return min(within) if within else None


async def models_that_matter(db: Database, now: datetime) -> dict[ModelKey, list[str]]:
    found: dict[ModelKey, list[str]] = {}

    def add(endpoint: str | None, model_id: str | None, role: str) -> None:
        if endpoint and model_id and role not in found.setdefault((endpoint, model_id), []):
            found[(endpoint, model_id)].append(role)

    async with db.session() as session:
        live = await crud.get_live_deployment(session)
        operator_rows = await queries.all_dates(session)
    if live is not None:
        add(live.endpoint, live.model_id, LIVE)
        add(live.previous_endpoint, live.previous_model_id, PREVIOUS)
    for request in await pending_requests(db, now):
        add(request.endpoint, request.model_id, CANDIDATE)
    for request in await recent_requests(db, RECENT_REQUESTS):
        add(request.endpoint, request.model_id, REQUESTED)
    for row in operator_rows:
        if row.source == ShutdownSource.OPERATOR:
            add(row.endpoint, row.model_id, OPERATOR_SET)
    return found


async def refresh(
    db: Database, models: ModelClient, now: datetime, *, fresh_for: timedelta = timedelta(0)
) -> list[Countdown]:
    """Read every model that matters (and their bases) from its endpoint and store what it says,
    its absence included. An endpoint that does not answer keeps the previous reading.

    `fresh_for`: a model read (or tried: an endpoint that did not answer) less than this ago is not
    asked again (a status shown many times a minute need not ask every endpoint each time; the
    daily watch always asks)."""
    roles = await models_that_matter(db, now)
    wanted = list(roles)
    wanted += [(endpoint, base) for endpoint, model_id in wanted if (base := base_of(model_id))]
    tried = _tried.setdefault(db, {})
    if fresh_for > timedelta(0):
        async with db.session() as session:
            fresh = {
                (row.endpoint, row.model_id)
                for row in await queries.all_dates(session)
                if row.source == ShutdownSource.ENDPOINT and row.read_at >= now - fresh_for
            }
        fresh |= {model for model, at in tried.items() if at >= now - fresh_for}
        wanted = [model for model in wanted if model not in fresh]

    async def read(endpoint: str, model_id: str) -> None:
        tried[(endpoint, model_id)] = now
        try:
            info = await models.retrieve_model(endpoint, model_id)
        except (ModelError, NotFound) as exc:
            log.info("shutdown date of %s on %s not read: %s", model_id, endpoint, exc.user_message)
            return
        await record_reading(db, endpoint, model_id, info.shutdown_date, now)

    # At once: a slow endpoint costs one timeout, not one per model.
    await asyncio.gather(*(read(endpoint, model_id) for endpoint, model_id in dict.fromkeys(wanted)))
    return await countdowns(db, now, roles)


# When this process last asked an endpoint about a model, answered or not (for `fresh_for`): an
# endpoint that does not know a model is not asked again on every status. Weak: per Database.
_tried: weakref.WeakKeyDictionary[Database, dict[ModelKey, datetime]] = weakref.WeakKeyDictionary()


async def countdowns(
    db: Database, now: datetime, roles: dict[ModelKey, list[str]] | None = None
) -> list[Countdown]:
    """What is known (no endpoint is asked): soonest shutdown first, models without a date last.
    `roles`: the models that matter, when the caller has just read them."""
    wanted = roles if roles is not None else await models_that_matter(db, now)
    async with db.session() as session:
        rows = await queries.all_dates(session)
    by_model: dict[ModelKey, list[ModelShutdown]] = {}
    for row in rows:
        by_model.setdefault((row.endpoint, row.model_id), []).append(row)
    found = [_countdown(key, tuple(roles), by_model) for key, roles in wanted.items()]
    return sorted(found, key=lambda c: (c.shutdown_date is None, c.shutdown_date or date.max, c.model_id))


def _countdown(
    key: ModelKey, roles: tuple[str, ...], by_model: dict[ModelKey, list[ModelShutdown]]
) -> Countdown:
    endpoint, model_id = key
    own = by_model.get(key, [])
    base = base_of(model_id)
    base_rows = by_model.get((endpoint, base), []) if base else []
    dated = [(row, row.source) for row in own if row.shutdown_date] + [
        (row, "base") for row in base_rows if row.shutdown_date
    ]
    if not dated:
        newest = max(own, key=lambda r: r.read_at, default=None)
        return Countdown(
            endpoint, model_id, roles, None, None, newest.read_at if newest else None, unread=not own
        )
    row, source = min(dated, key=lambda pair: (pair[0].shutdown_date, pair[1] != ShutdownSource.ENDPOINT))
    return Countdown(endpoint, model_id, roles, row.shutdown_date, source, row.read_at, row.set_by)


async def set_operator_date(
    db: Database,
    models: ModelClient,
    approvers: Approvers | None,
    user: str,
    endpoint: str,
    model_id: str,
    shutdown_date: date | None,
    *,
    now: datetime,
) -> ModelShutdown | None:
    """An approver's date for a model (None clears it). `approvers` None: the CLI, trusted as the
    operator who runs it (it has the database credentials anyway)."""
    if approvers is not None and not await approvers.is_approver(user, now):
        raise NotAllowed(
            f"Only approvers can set shutdown dates: {approvers.describe()}. Nothing was changed.",
            people=approvers.named(),
        )
    validate_model_id(model_id)
    models.endpoint(endpoint)  # unknown endpoint: NotFound naming the configured ones
    async with db.transaction() as session:
        if shutdown_date is None:
            if not await queries.clear_operator_date(session, endpoint, model_id):
                raise InvalidInput(
                    f"No operator date was set for `{model_id}` on `{endpoint}`. Nothing was changed."
                )
            return None
        return await queries.record(
            session, endpoint, model_id, shutdown_date, ShutdownSource.OPERATOR, read_at=now, set_by=user
        )


def parse_date_or_none(value: str) -> date | None:
    """`YYYY-MM-DD`, or `none` to clear."""
    if value.strip().lower() == "none":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"`{value[:40]}` is not a date: use YYYY-MM-DD (for example 2027-01-14), or `none`."
        ) from None


def describe(countdown: Countdown, now: datetime) -> str:
    """One plain-text line (callers escape it for Slack)."""
    roles = ", ".join(countdown.roles)
    where = f"{countdown.model_id} on {countdown.endpoint} ({roles})"
    if countdown.shutdown_date is None:
        if countdown.unread:
            return f"{where}: shutdown date not read yet (its endpoint has not answered)"
        read = f", read {countdown.read_at:%Y-%m-%d}" if countdown.read_at else ""
        return f"{where}: no shutdown date published{read}"
    left = countdown.days_left(now) or 0
    origin = {
        "endpoint": "published by the endpoint",
        "operator": f"set by {countdown.set_by or 'an operator'}",
        "base": "its base model's date",
    }.get(countdown.source or "", "")
    when = countdown.shutdown_date.isoformat()
    if left <= 0:
        return f"{where}: shut down on {when}, it no longer answers ({origin})"
    return f"{where}: shuts down on {when}, {left} day{'s' if left != 1 else ''} left ({origin})"


def warnings_due(found: list[Countdown], now: datetime) -> list[tuple[Countdown, int]]:
    """Each model within a warning threshold, with the threshold (one warning per threshold)."""
    due = []
    for countdown in found:
        threshold = countdown.warning(now)
        if threshold is not None:
            due.append((countdown, threshold))
    return due


def warning_key(countdown: Countdown, threshold: int) -> str:
    """The outbox key of one warning (hashed: model IDs may be longer than the key column)."""
    what = f"{countdown.endpoint}|{countdown.model_id}|{countdown.shutdown_date}|{threshold}"
    return "shutdown-warning:" + hashlib.sha256(what.encode("utf-8")).hexdigest()[:40]
