"""Opening switch and rollback requests: check the candidate, record the request, supersede older ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, delete, select

from bot.deployments import live_deployment
from bot.errors import Conflict, InvalidInput, NotFound, person
from bot.model_client import ModelClient
from bot.outbox import effects as outbox
from bot.outbox.effects import SlackEffect, no_effects
from bot.registry import shutdown_dates
from bot.registry.approvers import Approvers
from bot.registry.model_ids import refuse_if_shut_down, validate_model_id
from storage import crud
from storage.db import Database
from storage.models import Deployment, SwitchRequest
from storage.statuses import DeploymentKind, RequestKind, RequestStatus

MAX_REASON_CHARS = 2000


# A closed request as the Slack calls that update its message (commands/model/decision_effects.py).
RequestEffects = Callable[[SwitchRequest], Sequence[SlackEffect]]


@dataclass(frozen=True)
class SwitchPlan:
    """A checked candidate: what the live model would become, and against which live deployment."""

    kind: str  # switch | rollback
    requested_by: str
    reason: str | None
    live: Deployment
    endpoint: str
    model_id: str
    shutdown_date: date | None
    percent: int | None = None  # shadow | canary: the share of live triages asked for


# Requests compete only within their slot: a canary request must not supersede a pending switch.
SLOTS = {"switch": "live", "rollback": "live", "shadow": "shadow", "canary": "canary"}


def same_slot(kind: str, other: str) -> bool:
    return SLOTS.get(kind, kind) == SLOTS.get(other, other)


def clean_reason(reason: str | None) -> str | None:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_CHARS} characters (it has {len(reason)}).")
    return reason or None


async def check_may_supersede(
    db: Database, approvers: Approvers, user_id: str, *, now: datetime, kind: str = "switch"
) -> None:
    """A new request supersedes every pending one: only their requesters or an approver may do that.

    Anyone else would silently cancel a colleague's request (and its eval gate); they are told whose
    request is waiting instead, so they can talk to them or to a lead.
    """
    async with db.session() as session:
        pending = [
            r
            for r in await crud.get_pending_requests(session)
            if r.expires_at > now and same_slot(r.kind, kind)
        ]
    others = [r for r in pending if r.requested_by != user_id]
    if not others or await approvers.is_approver(user_id, now):
        return
    waiting = others[-1]
    raise Conflict(
        f"Request #{waiting.id} from {person(waiting.requested_by)} ({waiting.kind} to `{waiting.model_id}`) "
        "is still waiting for a lead, and a new request would replace it. Only they or an approver "
        "can do that: ask them, or wait until it is decided.",
        people=(waiting.requested_by,),
    )


async def plan_switch(
    db: Database,
    models: ModelClient,
    *,
    requested_by: str,
    model_id: str,
    endpoint: str,
    reason: str | None,
    now: datetime,
) -> SwitchPlan:
    validate_model_id(model_id)
    models.endpoint(endpoint)  # unknown endpoint: NotFound naming the configured ones
    reason = clean_reason(reason)
    live = await live_deployment(db)
    if (live.endpoint, live.model_id) == (endpoint, model_id):
        raise InvalidInput(f"`{model_id}` on `{endpoint}` is already the live model. Nothing to switch.")
    info = await models.retrieve_model(endpoint, model_id)
    refuse_if_shut_down(model_id, info.shutdown_date, now)
    # Flagged on the request message when its base (or an operator) already gave it a date.
    await shutdown_dates.record_reading(db, endpoint, model_id, info.shutdown_date, now)
    shutdown = await shutdown_dates.known_shutdown(db, endpoint, model_id)
    refuse_if_shut_down(model_id, shutdown, now)
    return SwitchPlan(RequestKind.SWITCH, requested_by, reason, live, endpoint, model_id, shutdown)


class RollbackUndoesRollback(Conflict):
    """The previous model was itself removed by a rollback: going back to it needs a confirmation."""

    def __init__(self, removal: Deployment) -> None:
        super().__init__(
            f"`{removal.previous_model_id}` was itself rolled back on "
            f"{removal.created_at:%Y-%m-%d %H:%M} UTC, so rolling back now would put it back live. "
            "If that is really what you want, use `/model rollback confirm [reason]`."
        )
        self.removal = removal


async def rollback_that_removed(db: Database, endpoint: str, model_id: str) -> Deployment | None:
    """The newest rollback that took this model off the live slot, if any did."""
    async with db.session() as session:
        result = await session.exec(
            select(Deployment)
            .where(
                col(Deployment.kind) == DeploymentKind.ROLLBACK,
                col(Deployment.previous_endpoint) == endpoint,
                col(Deployment.previous_model_id) == model_id,
            )
            .order_by(col(Deployment.id).desc())
            .limit(1)
        )
        return result.first()


async def plan_rollback(
    db: Database,
    models: ModelClient,
    *,
    requested_by: str,
    reason: str | None,
    now: datetime,
    confirmed: bool = False,
) -> SwitchPlan:
    """Back to the previous model. When that model was itself rolled back (a second rollback would
    silently undo the first), refuse unless `confirmed`, saying when and why it was removed."""
    reason = clean_reason(reason)
    live = await live_deployment(db)
    if not live.previous_model_id or not live.previous_endpoint:
        raise NotFound(
            f"Nothing to roll back to: `{live.model_id}` is the first model this bot ran. "
            "Use `/model switch <model-id>` to move to another model."
        )
    if not confirmed:
        removal = await rollback_that_removed(db, live.previous_endpoint, live.previous_model_id)
        if removal is not None:
            raise RollbackUndoesRollback(removal)
    info = await models.retrieve_model(live.previous_endpoint, live.previous_model_id)
    refuse_if_shut_down(live.previous_model_id, info.shutdown_date, now)
    return SwitchPlan(
        RequestKind.ROLLBACK,
        requested_by,
        reason,
        live,
        live.previous_endpoint,
        live.previous_model_id,
        info.shutdown_date,
    )


async def open_request(
    db: Database, plan: SwitchPlan, *, ttl: timedelta, requester_channel_id: str | None, now: datetime
) -> SwitchRequest:
    """Record the request; it supersedes older ones only once its message is out (publish_request)."""
    request = SwitchRequest(
        created_at=now,
        expires_at=now + ttl,
        kind=plan.kind,
        requested_by=plan.requested_by,
        reason=plan.reason,
        endpoint=plan.endpoint,
        model_id=plan.model_id,
        from_deployment_id=plan.live.id,
        from_endpoint=plan.live.endpoint,
        from_model_id=plan.live.model_id,
        shutdown_date=plan.shutdown_date.isoformat() if plan.shutdown_date else None,
        requester_channel_id=requester_channel_id,
        percent=plan.percent,
    )
    async with db.transaction() as session:
        session.add(request)
        await session.flush()
    return request


async def discard_request(db: Database, request_id: int) -> None:
    """Forget a request nobody could see (its approval message failed to post)."""
    async with db.transaction() as session:
        await session.exec(
            delete(SwitchRequest).where(
                col(SwitchRequest.id) == request_id,
                col(SwitchRequest.status) == RequestStatus.PENDING,
                col(SwitchRequest.message_ts).is_(None),
            )
        )


async def publish_request(
    db: Database,
    request_id: int,
    *,
    channel_id: str,
    message_ts: str,
    now: datetime,
    effects: RequestEffects = no_effects,
) -> tuple[SwitchRequest, list[SwitchRequest]]:
    """Remember where the approval message is, and supersede every older pending request.

    Returns the request and the ones it superseded (their messages need updating too).
    """
    superseded: list[SwitchRequest] = []
    async with db.transaction() as session:
        request = await crud.get_switch_request(session, request_id)
        if request is None:
            raise NotFound(f"Request #{request_id} does not exist.")
        request.channel_id, request.message_ts = channel_id, message_ts
        session.add(request)
        for older in await crud.get_pending_requests(session):
            if older.id is None or older.id >= request_id or not same_slot(older.kind, request.kind):
                continue
            closed = await crud.close_switch_request(
                session,
                older.id,
                status=RequestStatus.SUPERSEDED,
                decided_by=request.requested_by,
                decided_at=now,
                decision_reason=f"superseded by request #{request_id}",
            )
            if closed:
                superseded.append(older)
        await session.flush()
        for older in superseded:
            await session.refresh(older)
            # Queued with the supersede itself, so the older message never keeps live buttons.
            await outbox.enqueue(session, f"request:{older.id}:superseded", effects(older), now)
    return request, superseded


async def expire_overdue(
    db: Database, now: datetime, effects: RequestEffects = no_effects
) -> list[SwitchRequest]:
    """Close pending requests past their expiry; returns them so their messages can say so.

    Expiry is also enforced at every click; this only keeps the channel honest without one.
    """
    # Read first: every /model status asks, and a write transaction each time would queue every
    # other write of the process (a /triage's replay key among them) behind it for nothing.
    async with db.session() as session:
        overdue = [
            request.id
            for request in await crud.get_pending_requests(session)
            if request.id is not None and request.expires_at <= now
        ]
    if not overdue:
        return []
    expired: list[SwitchRequest] = []
    async with db.transaction() as session:
        for request_id in overdue:
            # Still pending? A click or another process may have decided it since the read.
            if await crud.close_switch_request(
                session, request_id, status=RequestStatus.EXPIRED, decided_by=None, decided_at=now
            ):
                request = await session.get(SwitchRequest, request_id)
                assert request is not None
                expired.append(request)
        for request in expired:
            await outbox.enqueue(session, f"request:{request.id}:expired", effects(request), now)
    return expired
