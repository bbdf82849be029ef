"""The incident message's *Roll back*: the registry's break-glass rollback, for approvers only, and
only while the model the incident is about is still live (two leads clicking at once, or a click on
an old incident after a rollback, must not roll back a second model)."""

from __future__ import annotations

from datetime import datetime

from bot.deployments import live_deployment
from bot.errors import Conflict, NotAllowed
from bot.monitors import service
from bot.registry import Approval, Registry
from bot.registry.approvals import ApprovalEffects
from storage.db import Database


async def roll_back_incident(
    db: Database, registry: Registry, incident_id: int, user: str, *, now: datetime, effects: ApprovalEffects
) -> Approval:
    incident = await service.get(db, incident_id)
    if not await registry.may_roll_back_at_once(user, now=now):
        raise NotAllowed(
            "Rolling back from an incident is for approvers (team leads). Ask one, or request it with "
            "`/model rollback`. Nothing was changed."
        )
    live = await live_deployment(db)
    if (live.endpoint, live.model_id) != (incident.endpoint, incident.model_id):
        raise Conflict(
            f"Incident #{incident_id} is about `{incident.model_id}`, which is no longer live "
            f"(`{live.model_id}` is). Nothing was changed."
        )
    reason = f"incident #{incident_id}: {incident.monitor} at {incident.level}"
    plan = await registry.plan_rollback(user, reason, now=now)
    # rollback_now refuses when the live deployment moved since the plan: one of two clicks wins.
    return await registry.rollback_now(plan, now=now, effects=effects)
