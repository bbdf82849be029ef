"""Which candidate shadows live traffic: start one (replacing any other), stop it, read it.

The state is a row in the database, read on every triage: every process routes the same way and
sees a change at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.deployments import live_deployment
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.model_client import ModelClient
from bot.registry import Approvers
from bot.routing.route_request import RouteRequest
from bot.settings import DEFAULT_ENDPOINT
from storage import routing
from storage.db import Database
from storage.models import ShadowRoute, ShadowState

MAX_REASON_CHARS = 500
NEEDS_APPROVER = (
    "Only approvers start or stop a shadow at once; anyone else's `/model shadow` asks for approval."
)
_PERCENT = re.compile(r"(\d{1,3})%?")


def parse_request(args: str) -> RouteRequest:
    """The words after `/model shadow <model-id> [on <endpoint>] [percent] [reason…]`, or InvalidInput
    saying how to write them."""
    words = args.split()
    if not words:
        raise InvalidInput("Name the model to shadow: `/model shadow <model-id> [on <endpoint>] [percent]`.")
    model_id, rest = words[0].strip("`"), words[1:]
    endpoint = DEFAULT_ENDPOINT
    if len(rest) >= 2 and rest[0].lower() == "on":
        endpoint, rest = rest[1].strip("`"), rest[2:]
    percent = 100
    if rest and (match := _PERCENT.fullmatch(rest[0])):
        percent, rest = int(match[1]), rest[1:]
        if not 1 <= percent <= 100:
            raise InvalidInput("The share of triages to shadow is a percentage from 1 to 100.")
    reason = " ".join(rest).strip() or None
    if reason and len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_CHARS} characters.")
    return RouteRequest(model_id, endpoint, percent, reason)


@dataclass(frozen=True)
class Started:
    route: ShadowRoute
    replaced: ShadowRoute | None


class ShadowRoutes:
    """Start, stop and read the one shadow candidate."""

    def __init__(
        self,
        db: Database,
        models: ModelClient,
        approvers: Approvers,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.models, self.approvers, self.clock = db, models, approvers, clock

    async def active(self) -> ShadowRoute | None:
        async with self.db.session() as session:
            return await routing.active_route(session)

    async def latest(self) -> ShadowRoute | None:
        async with self.db.session() as session:
            return await routing.latest_route(session)

    async def is_approver(self, user_id: str) -> bool:
        return await self.approvers.is_approver(user_id, self.clock())

    async def require_approver(self, user_id: str) -> None:
        if not await self.is_approver(user_id):
            raise NotAllowed(NEEDS_APPROVER)

    async def start(self, user_id: str, request: RouteRequest) -> Started:
        """An approver starts shadowing `request`'s model; any other shadow ends as replaced."""
        await self.require_approver(user_id)
        self.models.endpoint(request.endpoint)  # NotFound naming the configured endpoints
        live = await live_deployment(self.db)
        if (live.endpoint, live.model_id) == (request.endpoint, request.model_id):
            raise InvalidInput("That is the live model already; shadow a candidate to compare with it.")
        # Checked before any traffic goes to it: a typo would otherwise record only errors.
        await self.models.retrieve_model(request.endpoint, request.model_id)
        now = self.clock()
        async with self.db.transaction() as session:
            await routing.lock_routes(session)
            route = ShadowRoute(
                started_at=now,
                started_by=user_id,
                endpoint=request.endpoint,
                model_id=request.model_id,
                percent=request.percent,
                reason=request.reason,
            )
            why = f"replaced by {request.model_id} on {request.endpoint}"
            ended = await routing.end_active_routes(session, ShadowState.REPLACED, user_id, why, now)
            session.add(route)
            await session.flush()
        return Started(route, ended[-1] if ended else None)

    async def stop(self, user_id: str, reason: str | None = None) -> ShadowRoute:
        """An approver stops the shadow; NotFound when there is none."""
        await self.require_approver(user_id)
        reason = (reason or "").strip() or None
        if reason and len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(f"Keep the reason under {MAX_REASON_CHARS} characters.")
        async with self.db.transaction() as session:
            await routing.lock_routes(session)
            ended = await routing.end_active_routes(
                session, ShadowState.STOPPED, user_id, reason, self.clock()
            )
        if not ended:
            raise NotFound("No model is being shadowed. `/model shadow <model-id>` starts one.")
        return ended[-1]
