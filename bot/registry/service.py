"""The registry as one object for the listeners: every rule lives in the modules it delegates to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import NotAllowed
from bot.model_client import ModelClient
from bot.outbox.effects import Doorbell, no_effects
from bot.registry import approvals, requests
from bot.registry import status as queries
from bot.registry.approvals import Approval, ApprovalEffects, RejectionEffects
from bot.registry.approvers import Approvers
from bot.registry.eval_gate import GateCheck, no_gate
from bot.registry.live_quality import LiveQuality, live_quality
from bot.registry.requests import SwitchPlan
from bot.settings import DEFAULT_ENDPOINT
from storage import crud
from storage.db import Database
from storage.models import Deployment, SwitchRequest


@dataclass
class Registry:
    db: Database
    models: ModelClient
    approvers: Approvers
    approval_ttl: timedelta
    default_endpoint: str = DEFAULT_ENDPOINT
    # Rung after a decision queued Slack effects, so this process's outbox worker sends them at once.
    outbox: Doorbell = field(default_factory=Doorbell)
    # How a request found expired or stale at a click updates its message (set by the app factory).
    closed_effects: RejectionEffects = no_effects
    # The eval gate every approval meets (built by the composition root from bot/quality/gate.py).
    gate: GateCheck = no_gate

    async def plan_switch(
        self, requested_by: str, model_id: str, endpoint: str | None, reason: str | None, *, now: datetime
    ) -> SwitchPlan:
        self._require_approvers()
        await requests.check_may_supersede(self.db, self.approvers, requested_by, now=now)
        return await requests.plan_switch(
            self.db,
            self.models,
            requested_by=requested_by,
            model_id=model_id,
            endpoint=endpoint or self.default_endpoint,
            reason=reason,
            now=now,
        )

    async def plan_rollback(
        self, requested_by: str, reason: str | None, *, now: datetime, confirmed: bool = False
    ) -> SwitchPlan:
        await requests.check_may_supersede(self.db, self.approvers, requested_by, now=now)
        return await requests.plan_rollback(
            self.db, self.models, requested_by=requested_by, reason=reason, now=now, confirmed=confirmed
        )

    async def may_roll_back_at_once(self, user_id: str, *, now: datetime) -> bool:
        return await self.approvers.is_approver(user_id, now)

    async def rollback_now(
        self, plan: SwitchPlan, *, now: datetime, effects: ApprovalEffects = no_effects
    ) -> Approval:
        if not await self.approvers.is_approver(plan.requested_by, now):
            raise NotAllowed("Only approvers can roll back without an approval. Nothing was changed.")
        approval = await approvals.rollback_now(
            self.db, plan, now=now, effects=effects, closed_effects=self.closed_effects
        )
        self.outbox.ring()
        return approval

    async def open_request(
        self, plan: SwitchPlan, *, requester_channel_id: str | None, now: datetime
    ) -> SwitchRequest:
        self._require_approvers()
        return await requests.open_request(
            self.db, plan, ttl=self.approval_ttl, requester_channel_id=requester_channel_id, now=now
        )

    async def discard_request(self, request_id: int) -> None:
        await requests.discard_request(self.db, request_id)

    async def publish_request(
        self,
        request_id: int,
        *,
        channel_id: str,
        message_ts: str,
        now: datetime,
        effects: RejectionEffects = no_effects,
    ) -> tuple[SwitchRequest, list[SwitchRequest]]:
        published = await requests.publish_request(
            self.db, request_id, channel_id=channel_id, message_ts=message_ts, now=now, effects=effects
        )
        self.outbox.ring()
        return published

    async def expire_overdue(
        self, *, now: datetime, effects: RejectionEffects = no_effects
    ) -> list[SwitchRequest]:
        expired = await requests.expire_overdue(self.db, now, effects)
        self.outbox.ring()
        return expired

    async def approve(
        self,
        request_id: int,
        approver: str,
        *,
        now: datetime,
        override_reason: str | None = None,
        effects: ApprovalEffects = no_effects,
    ) -> Approval:
        try:
            return await approvals.approve(
                self.db,
                self.models,
                self.approvers,
                request_id,
                approver,
                now=now,
                override_reason=override_reason,
                effects=effects,
                closed_effects=self.closed_effects,
                gate=self.gate,
            )
        finally:  # a refusal may have closed the request (expired, stale) and queued its update
            self.outbox.ring()

    async def check_can_decide(
        self, request_id: int, user_id: str, *, now: datetime, rejecting: bool
    ) -> SwitchRequest:
        try:
            return await approvals.check_can_decide(
                self.db,
                self.approvers,
                request_id,
                user_id,
                now=now,
                rejecting=rejecting,
                closed_effects=self.closed_effects,
            )
        finally:
            self.outbox.ring()

    async def check_can_reject(self, request_id: int, user_id: str, *, now: datetime) -> SwitchRequest:
        return await self.check_can_decide(request_id, user_id, now=now, rejecting=True)

    async def reject(
        self,
        request_id: int,
        user_id: str,
        reason: str | None,
        *,
        now: datetime,
        effects: RejectionEffects = no_effects,
    ) -> SwitchRequest:
        try:
            return await approvals.reject(
                self.db,
                self.approvers,
                request_id,
                user_id,
                reason=reason,
                now=now,
                effects=effects,
                closed_effects=self.closed_effects,
            )
        finally:
            self.outbox.ring()

    async def request(self, request_id: int) -> SwitchRequest | None:
        """A request as it stands now (None: there is no such request)."""
        async with self.db.session() as session:
            return await crud.get_switch_request(session, request_id)

    async def status(self, *, now: datetime) -> queries.ModelStatus:
        return await queries.model_status(self.db, self.models, now)

    async def pending(self, *, now: datetime) -> list[SwitchRequest]:
        return await queries.pending_requests(self.db, now)

    async def live_quality(self, live: Deployment) -> LiveQuality:
        return await live_quality(self.db, live)

    async def history(self, limit: int) -> list[Deployment]:
        return await queries.history(self.db, limit)

    async def fine_tuned_models(self, endpoint: str | None = None) -> queries.ModelListing:
        return await queries.fine_tuned_models(
            self.db, self.models, endpoint or self.default_endpoint, self.default_endpoint
        )

    def _require_approvers(self) -> None:
        if not self.approvers.configured:
            raise NotAllowed(
                "Nobody can approve model switches yet: an operator needs to set TRIAGE_APPROVERS "
                "(Slack user IDs) or TRIAGE_APPROVER_GROUP (a user group ID) and restart the bot."
            )
