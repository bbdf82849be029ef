"""Shadow and canary requests: a routing change that costs money or serves customers goes through
the same approval as a switch (four eyes, expiry, stale when the live model changes, exactly one
winner when two approvers click), and approving it changes the routing in the decision's own
transaction, with its Slack side effects queued in the outbox there too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deployments import live_deployment
from bot.errors import InvalidInput
from bot.model_client import ModelClient
from bot.outbox import effects as outbox
from bot.outbox.effects import SlackEffect, no_effects
from bot.registry.approvals import RejectionEffects, RequestClosed, check_can_approve, close_request
from bot.registry.approvers import Approvers
from bot.registry.eval_gate import GateCheck, no_gate
from bot.registry.model_ids import refuse_if_shut_down, validate_model_id
from bot.registry.requests import SwitchPlan, check_may_supersede, clean_reason
from storage import canaries, crud, routing
from storage.db import Database
from storage.models import (
    CanaryEvent,
    CanaryRoute,
    CanaryState,
    ShadowRoute,
    ShadowState,
    SwitchRequest,
)
from storage.statuses import RequestKind, RequestStatus

SHADOW, CANARY = RequestKind.SHADOW, RequestKind.CANARY
ROUTE_KINDS = (SHADOW, CANARY)


@dataclass(frozen=True)
class RouteApproval:
    """An approved shadow or canary request and what it changed."""

    request: SwitchRequest
    shadow: ShadowRoute | None = None
    canary: CanaryRoute | None = None
    percent_before: int | None = None  # a canary step: the share it had before
    replaced: str | None = None  # the model whose shadow or canary this one ended


RouteApprovalEffects = Callable[[RouteApproval], Sequence[SlackEffect]]


async def is_route_request(db: Database, request_id: int) -> bool:
    """Whether approving this request changes the routing (shadow, canary) rather than the live model."""
    async with db.session() as session:
        request = await crud.get_switch_request(session, request_id)
    return request is not None and request.kind in ROUTE_KINDS


async def plan_route(
    db: Database,
    models: ModelClient,
    approvers: Approvers,
    *,
    kind: str,
    requested_by: str,
    model_id: str,
    endpoint: str,
    percent: int,
    reason: str | None,
    now: datetime,
) -> SwitchPlan:
    """Check the candidate before anyone is asked to approve sending traffic to it."""
    validate_model_id(model_id)
    models.endpoint(endpoint)  # unknown endpoint: NotFound naming the configured ones
    reason = clean_reason(reason)
    await check_may_supersede(db, approvers, requested_by, now=now, kind=kind)
    live = await live_deployment(db)
    if (live.endpoint, live.model_id) == (endpoint, model_id):
        raise InvalidInput(f"`{model_id}` on `{endpoint}` is the live model already: nothing to {kind}.")
    info = await models.retrieve_model(endpoint, model_id)
    refuse_if_shut_down(model_id, info.shutdown_date, now)
    return SwitchPlan(kind, requested_by, reason, live, endpoint, model_id, info.shutdown_date, percent)


async def approve_route(
    db: Database,
    models: ModelClient,
    approvers: Approvers,
    request_id: int,
    approver: str,
    *,
    now: datetime,
    override_reason: str | None = None,
    effects: RouteApprovalEffects = no_effects,
    closed_effects: RejectionEffects = no_effects,
    gate: GateCheck = no_gate,
) -> RouteApproval:
    # A canary serves customers: the same checks and eval gate as a switch (the gate passes a shadow).
    request = await check_can_approve(
        db,
        models,
        approvers,
        request_id,
        approver,
        now=now,
        override_reason=override_reason,
        closed_effects=closed_effects,
        gate=gate,
    )
    async with db.transaction() as session:
        await crud.lock_deployments(session)
        live = await crud.get_live_deployment(session)
        stale = live is None or live.id != request.from_deployment_id
        if not stale:
            await routing.lock_routes(session)
            if await crud.close_switch_request(
                session, request_id, status=RequestStatus.APPROVED, decided_by=approver, decided_at=now
            ):
                approved = await crud.get_switch_request(session, request_id)
                assert approved is not None
                if approved.kind == SHADOW:
                    approval = await _start_shadow(session, approved, approver, now)
                else:
                    approval = await _start_or_raise_canary(session, approved, approver, override_reason, now)
                await outbox.enqueue(session, f"request:{request_id}:approved", effects(approval), now)
                return approval
    if stale:
        raise await close_request(db, request, RequestStatus.STALE, now, closed_effects)
    async with db.session() as session:
        current = await crud.get_switch_request(session, request_id)
    raise RequestClosed(current or request)  # another approver's transaction committed first


async def _start_shadow(
    session: AsyncSession, request: SwitchRequest, approver: str, now: datetime
) -> RouteApproval:
    why = f"replaced by {request.model_id} on {request.endpoint} (request #{request.id})"
    ended = await routing.end_active_routes(session, ShadowState.REPLACED, approver, why, now)
    route = ShadowRoute(
        started_at=now,
        started_by=request.requested_by,
        approved_by=approver,
        request_id=request.id,
        endpoint=request.endpoint,
        model_id=request.model_id,
        percent=request.percent or 100,
        reason=request.reason,
    )
    session.add(route)
    await session.flush()
    return RouteApproval(request, shadow=route, replaced=ended[-1].model_id if ended else None)


async def _start_or_raise_canary(
    session: AsyncSession, request: SwitchRequest, approver: str, override_reason: str | None, now: datetime
) -> RouteApproval:
    percent = request.percent or 1
    reason = request.reason
    if override_reason:
        reason = f"{reason or ''} (eval gate overridden: {override_reason})".strip()
    active = await canaries.active_canary(session)
    if active is not None and active.id is not None:
        if (active.endpoint, active.model_id) == (request.endpoint, request.model_id):
            before = active.percent
            await canaries.set_percent(session, active.id, percent)
            action = "raise" if percent > before else "lower"
            await canaries.add_event(
                session,
                CanaryEvent(
                    canary_id=active.id,
                    at=now,
                    action=action,
                    by=approver,
                    percent_before=before,
                    percent=percent,
                    request_id=request.id,
                    reason=reason,
                ),
            )
            await session.refresh(active)
            return RouteApproval(request, canary=active, percent_before=before)
        why = f"replaced by {request.model_id} on {request.endpoint} (request #{request.id})"
        await canaries.end_canary(session, active.id, CanaryState.REPLACED, approver, why, now)
        await canaries.add_event(
            session,
            CanaryEvent(canary_id=active.id, at=now, action="replaced", by=approver, reason=why),
        )
    canary = CanaryRoute(
        started_at=now,
        started_by=request.requested_by,
        approved_by=approver,
        request_id=request.id,
        endpoint=request.endpoint,
        model_id=request.model_id,
        percent=percent,
        reason=reason,
    )
    session.add(canary)
    await session.flush()
    assert canary.id is not None
    await canaries.add_event(
        session,
        CanaryEvent(
            canary_id=canary.id,
            at=now,
            action="start",
            by=approver,
            percent=percent,
            request_id=request.id,
            reason=reason,
        ),
    )
    return RouteApproval(request, canary=canary, replaced=active.model_id if active is not None else None)
