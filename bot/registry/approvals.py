"""Deciding requests: approve (one transaction, exactly one winner), reject, and break-glass rollback.

Each decision's Slack side effects are rendered by the caller's renderer and written to the outbox
in the decision's own transaction: committed together or not at all, so a crash right after the
commit still leaves them to be sent (see bot/outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import Conflict, NotAllowed, NotFound, person
from bot.model_client import ModelClient
from bot.outbox import effects as outbox
from bot.outbox.effects import SlackEffect, no_effects
from bot.registry.approvers import Approvers
from bot.registry.eval_gate import GateCheck, OverrideRequired, no_gate
from bot.registry.model_ids import refuse_if_shut_down
from bot.registry.requests import SwitchPlan
from storage import canaries, crud
from storage.db import Database
from storage.models import Deployment, SwitchRequest
from storage.statuses import RequestStatus


class RequestClosed(Conflict):
    """The request can no longer be decided. `changed`: this call closed it (its message needs updating)."""

    def __init__(self, request: SwitchRequest, *, changed: bool = False) -> None:
        named = (request.decided_by,) if request.decided_by else ()
        super().__init__(closed_message(request), people=named)
        self.request = request
        self.changed = changed


@dataclass(frozen=True)
class Approval:
    request: SwitchRequest | None  # None for a break-glass rollback
    deployment: Deployment


# Renderers: the decision as Slack calls (commands/model/decisions.py provides them).
ApprovalEffects = Callable[["Approval"], Sequence[SlackEffect]]
# A request closed (rejected, superseded, expired) as the calls that update its message and tell people.
RejectionEffects = Callable[[SwitchRequest], Sequence[SlackEffect]]


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def closed_message(request: SwitchRequest) -> str:
    number = f"Request #{request.id}"
    match request.status:
        case RequestStatus.APPROVED | RequestStatus.REJECTED:
            return (
                f"{number} was already {request.status} by {person(request.decided_by)} "
                f"at {when(request.decided_at)}."
            )
        case RequestStatus.SUPERSEDED:
            return (
                f"{number} was {request.decision_reason or 'superseded'}: act on the newer request instead."
            )
        case RequestStatus.EXPIRED:
            return (
                f"{number} expired at {when(request.expires_at)} and can no longer be approved. "
                "Ask again with `/model switch` or `/model rollback` if it is still wanted."
            )
        case RequestStatus.STALE:
            return (
                f"{number} was made while `{request.from_model_id}` was live, but the live model has changed "
                "since, so it can no longer be approved. Request it again if it is still wanted."
            )
        case _:
            return f"{number} is {request.status} and can no longer be decided."


async def _load(db: Database, request_id: int) -> SwitchRequest:
    async with db.session() as session:
        request = await crud.get_switch_request(session, request_id)
    if request is None:
        raise NotFound(f"Request #{request_id} does not exist (any more). Check `/model status`.")
    return request


async def _close(
    db: Database, request: SwitchRequest, status: RequestStatus, now: datetime, effects: RejectionEffects
) -> RequestClosed:
    """Mark a request expired/stale (in its own transaction, so it sticks, with its message update
    queued in the outbox) and explain why."""
    assert request.id is not None
    async with db.transaction() as session:
        changed = await crud.close_switch_request(
            session, request.id, status=status, decided_by=None, decided_at=now
        )
        current = await crud.get_switch_request(session, request.id)
        if changed and current is not None:
            await outbox.enqueue(session, f"request:{request.id}:{status}", effects(current), now)
    return RequestClosed(current or request, changed=changed)


# Close a request as expired/stale and say so: shared with routing's own approvals (bot/routing/requests).
close_request = _close


async def check_can_decide(
    db: Database,
    approvers: Approvers,
    request_id: int,
    user_id: str,
    *,
    now: datetime,
    rejecting: bool,
    closed_effects: RejectionEffects = no_effects,
) -> SwitchRequest:
    """Refuse non-approvers and the requester (who may still withdraw, i.e. reject, their own)."""
    request = await _load(db, request_id)
    own = user_id == request.requested_by
    if own and not rejecting:
        raise NotAllowed(
            f"You cannot approve your own request #{request.id}: another approver must (four eyes). "
            "Nothing was changed."
        )
    if not own and not await approvers.is_approver(user_id, now):
        raise NotAllowed(
            f"Only approvers can decide model switches: {approvers.describe()}. Nothing was changed.",
            people=approvers.named(),
        )
    if request.status != RequestStatus.PENDING:
        raise RequestClosed(request)
    if request.expires_at <= now:
        raise await _close(db, request, RequestStatus.EXPIRED, now, closed_effects)
    # Refused at the click, before any modal asks for a reason it could never use.
    async with db.session() as session:
        live = await crud.get_live_deployment(session)
    if live is None or live.id != request.from_deployment_id:
        raise await _close(db, request, RequestStatus.STALE, now, closed_effects)
    return request


async def close_stale(
    session: AsyncSession, new_live: Deployment, now: datetime, effects: RejectionEffects
) -> list[SwitchRequest]:
    """The live model just changed (in this transaction): every request still pending was made
    against the old one, so it can never be approved. Say so on its message at once, through the
    outbox, rather than when someone clicks Approve."""
    stale: list[SwitchRequest] = []
    for request in await crud.get_pending_requests(session):
        if request.id is None or request.from_deployment_id == new_live.id:
            continue
        if await crud.close_switch_request(
            session, request.id, status=RequestStatus.STALE, decided_by=None, decided_at=now
        ):
            stale.append(request)
    for request in stale:
        await session.refresh(request)
        await outbox.enqueue(session, f"request:{request.id}:stale", effects(request), now)
    return stale


async def check_can_approve(
    db: Database,
    models: ModelClient,
    approvers: Approvers,
    request_id: int,
    approver: str,
    *,
    now: datetime,
    override_reason: str | None,
    closed_effects: RejectionEffects,
    gate: GateCheck,
) -> SwitchRequest:
    """What every approval checks before it changes anything, whatever the request changes (the live
    model, or the routing): who may decide, the eval gate unless overridden with a reason, and that
    the candidate still answers and is not shut down."""
    request = await check_can_decide(
        db, approvers, request_id, approver, now=now, rejecting=False, closed_effects=closed_effects
    )
    if override_reason is None or not override_reason.strip():
        verdict = await gate(request)
        if verdict is not None and verdict.needs_override:
            raise OverrideRequired(request, verdict)
    # The candidate may have been deleted or retired while the request waited.
    info = await models.retrieve_model(request.endpoint, request.model_id)
    refuse_if_shut_down(request.model_id, info.shutdown_date, now)
    return request


async def approve(
    db: Database,
    models: ModelClient,
    approvers: Approvers,
    request_id: int,
    approver: str,
    *,
    now: datetime,
    override_reason: str | None = None,
    effects: ApprovalEffects = no_effects,
    closed_effects: RejectionEffects = no_effects,
    gate: GateCheck = no_gate,
) -> Approval:
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
    stale = False
    async with db.transaction() as session:
        await crud.lock_deployments(session)
        live = await crud.get_live_deployment(session)
        if live is None or live.id != request.from_deployment_id:
            stale = True
        elif await crud.close_switch_request(
            session, request_id, status=RequestStatus.APPROVED, decided_by=approver, decided_at=now
        ):
            deployment = _deployment(
                live,
                request.endpoint,
                request.model_id,
                kind=request.kind,
                requested_by=request.requested_by,
                approved_by=approver,
                reason=request.reason,
                override_reason=override_reason,
                request_id=request_id,
                now=now,
            )
            session.add(deployment)
            await session.flush()
            approved = await crud.get_switch_request(session, request_id)
            assert approved is not None
            approval = Approval(approved, deployment)
            # A switch to the canary's candidate promotes it: the canary has nothing left to route.
            await canaries.end_promoted(session, deployment.endpoint, deployment.model_id, approver, now)
            await outbox.enqueue(session, f"request:{request_id}:approved", effects(approval), now)
            await close_stale(session, deployment, now, closed_effects)
            return approval
    if stale:
        raise await _close(db, request, RequestStatus.STALE, now, closed_effects)
    # Another approver's transaction committed first.
    raise RequestClosed(await _load(db, request_id))


async def reject(
    db: Database,
    approvers: Approvers,
    request_id: int,
    user_id: str,
    *,
    reason: str | None,
    now: datetime,
    effects: RejectionEffects = no_effects,
    closed_effects: RejectionEffects = no_effects,
) -> SwitchRequest:
    await check_can_decide(
        db, approvers, request_id, user_id, now=now, rejecting=True, closed_effects=closed_effects
    )
    async with db.transaction() as session:
        closed = await crud.close_switch_request(
            session,
            request_id,
            status=RequestStatus.REJECTED,
            decided_by=user_id,
            decided_at=now,
            decision_reason=(reason or "").strip() or None,
        )
        request = await crud.get_switch_request(session, request_id)
        assert request is not None
        if closed:
            await outbox.enqueue(session, f"request:{request_id}:rejected", effects(request), now)
    if not closed:
        raise RequestClosed(request)
    return request


async def rollback_now(
    db: Database,
    plan: SwitchPlan,
    *,
    now: datetime,
    effects: ApprovalEffects = no_effects,
    closed_effects: RejectionEffects = no_effects,
) -> Approval:
    """Break-glass: an approver's rollback (or the CLI's switch) takes effect at once. Nobody approved it,
    so it is recorded as break-glass with no approver (never as a self-approval, which four eyes forbids)."""
    async with db.transaction() as session:
        await crud.lock_deployments(session)
        live = await crud.get_live_deployment(session)
        if live is None or live.id != plan.live.id:
            raise Conflict("The live model changed while you asked; check `/model status` and try again.")
        deployment = _deployment(
            live,
            plan.endpoint,
            plan.model_id,
            kind=plan.kind,  # "switch" only from the CLI's break-glass switch (bot/cli_model.py)
            requested_by=plan.requested_by,
            approved_by=None,
            reason=plan.reason,
            override_reason=None,
            request_id=None,
            now=now,
        )
        deployment.break_glass = True
        session.add(deployment)
        await session.flush()
        await canaries.end_promoted(session, deployment.endpoint, deployment.model_id, plan.requested_by, now)
        approval = Approval(None, deployment)
        await outbox.enqueue(session, f"deployment:{deployment.id}:break-glass", effects(approval), now)
        await close_stale(session, deployment, now, closed_effects)
    return approval


def _deployment(
    live: Deployment,
    endpoint: str,
    model_id: str,
    *,
    kind: str,
    requested_by: str,
    approved_by: str | None,
    reason: str | None,
    override_reason: str | None,
    request_id: int | None,
    now: datetime,
) -> Deployment:
    return Deployment(
        created_at=now,
        endpoint=endpoint,
        model_id=model_id,
        previous_endpoint=live.endpoint,
        previous_model_id=live.model_id,
        kind=kind,
        requested_by=requested_by,
        approved_by=approved_by,
        reason=reason,
        override_reason=override_reason,
        request_id=request_id,
    )
