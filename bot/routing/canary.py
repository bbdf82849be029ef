"""Canary routing: which arm serves a triage, and the approver's immediate moves (lower, stop).

Assignment is sticky: a hash of the ticket's key (its normalized text, bot.triage.text_key, or its Slack
message or thread) salted with the canary's id, compared with the canary's percent. The same ticket gets the
same arm while the split is unchanged, and raising the percent only moves live tickets over (a
ticket on the candidate stays there). The active canary is one indexed read per triage, so every
process routes alike and sees a stop at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.registry.approvers import Approvers
from bot.registry.requests import clean_reason
from bot.registry.views import DeploymentView
from bot.routing.route_request import RouteRequest
from bot.triage import Assignment
from storage import canaries
from storage.db import Database
from storage.driver import Statement
from storage.models import CanaryEvent, CanaryRoute, CanaryState, ShadowState, TriageArm

BUCKETS = 10_000  # hundredths of a percent
NEEDS_APPROVER_TO_LOWER = (
    "Only approvers change a running canary at once. To send the candidate *more* traffic, ask with "
    "`/model canary <model-id> <percent>`: it goes to the approvals channel."
)


def message_key(channel_id: str, ts: str) -> str:
    """The sticky key of a Slack message or thread (the shortcut, mentions)."""
    return f"slack:{channel_id}:{ts}"


def bucket(canary_id: int, key: str) -> int:
    digest = hashlib.sha256(f"{canary_id}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def on_candidate(canary_id: int, key: str, percent: int) -> bool:
    return bucket(canary_id, key) < percent * (BUCKETS // 100)



class CanaryRouter:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def assign(self, live: DeploymentView, key: str) -> Assignment:
        split, shadowing = await active_routing(self.db)
        if split is None:
            return Assignment(TriageArm.LIVE, shadowing=shadowing)
        canary_id, endpoint, model_id, percent = split
        if (endpoint, model_id) == (live.endpoint, live.model_id):
            # Promoted: the candidate is live now.
            return Assignment(TriageArm.LIVE, shadowing=shadowing)
        if on_candidate(canary_id, key, percent):
            return Assignment(TriageArm.CANDIDATE, canary_id, endpoint, model_id, shadowing=shadowing)
        return Assignment(TriageArm.LIVE, canary_id, shadowing=shadowing)


# The running canary and whether a shadow runs, in one statement (each side one row of its state index).
_ACTIVE_SQL = (
    "SELECT * FROM (SELECT 'canary', id, endpoint, model_id, percent FROM canary_routes "
    f"WHERE state = '{CanaryState.ACTIVE.value}' ORDER BY id DESC LIMIT 1) AS canary "
    "UNION ALL "
    "SELECT * FROM (SELECT 'shadow', id, endpoint, model_id, percent FROM shadow_routes "
    f"WHERE state = '{ShadowState.ACTIVE.value}' ORDER BY id DESC LIMIT 1) AS shadow"
)
_ACTIVE = Statement(lambda _dialect: text(_ACTIVE_SQL))
Split = tuple[int, str, str, int]  # the running canary's id, endpoint, model and percent


async def active_routing(db: Database) -> tuple[Split | None, bool]:
    """The running canary (None: none) and whether a shadow runs, as committed now by any process.

    On every triage: one statement over the two routing tables' state indexes and no ORM session
    (through the driver, storage.driver, as bot.deployments reads the live model)."""
    rows = await db.read_rows(_ACTIVE)
    split: Split | None = None
    shadowing = False
    for kind, route_id, endpoint, model_id, percent in rows:
        if kind == "canary":
            split = int(route_id), str(endpoint), str(model_id), int(percent)
        else:
            shadowing = True
    return split, shadowing


@dataclass(frozen=True)
class Lowered:
    canary: CanaryRoute
    percent_before: int


class CanaryRoutes:
    """Read the canary; lower or stop it at once (approvers). Starting and raising are approved requests."""

    def __init__(
        self,
        db: Database,
        approvers: Approvers,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.approvers, self.clock = db, approvers, clock

    async def active(self) -> CanaryRoute | None:
        async with self.db.session() as session:
            return await canaries.active_canary(session)

    async def latest(self) -> CanaryRoute | None:
        async with self.db.session() as session:
            return await canaries.latest_canary(session)

    async def is_approver(self, user_id: str) -> bool:
        return await self.approvers.is_approver(user_id, self.clock())

    async def lower(self, user_id: str, canary: CanaryRoute, percent: int, reason: str | None) -> Lowered:
        if not await self.is_approver(user_id):
            raise NotAllowed(NEEDS_APPROVER_TO_LOWER)
        reason = clean_reason(reason)
        assert canary.id is not None
        now = self.clock()
        async with self.db.transaction() as session:
            if not await canaries.set_percent(session, canary.id, percent):
                raise NotFound("That canary has ended meanwhile; `/model canary` shows what runs now.")
            await canaries.add_event(
                session,
                CanaryEvent(
                    canary_id=canary.id,
                    at=now,
                    action="lower",
                    by=user_id,
                    percent_before=canary.percent,
                    percent=percent,
                    reason=reason,
                ),
            )
            current = await session.get(CanaryRoute, canary.id)
            assert current is not None
        return Lowered(current, canary.percent)

    async def stop(self, user_id: str, reason: str | None) -> CanaryRoute:
        if not await self.is_approver(user_id):
            raise NotAllowed("Only approvers stop a canary. Ask a team lead to run `/model canary stop`.")
        reason = clean_reason(reason)
        now = self.clock()
        async with self.db.transaction() as session:
            canary = await canaries.active_canary(session)
            if canary is None or canary.id is None:
                raise NotFound("No canary is running. `/model canary <model-id> <percent>` asks for one.")
            if not await canaries.end_canary(session, canary.id, CanaryState.STOPPED, user_id, reason, now):
                raise NotFound("That canary has ended meanwhile; `/model canary` shows what runs now.")
            await canaries.add_event(
                session,
                CanaryEvent(canary_id=canary.id, at=now, action="stop", by=user_id, reason=reason),
            )
            await session.refresh(canary)
        return canary


def parse_canary(args: str, default_endpoint: str) -> RouteRequest:
    """The words after `/model canary <model-id> [on <endpoint>] <percent> [reason…]`."""
    words = args.split()
    usage = (
        "`/model canary <model-id> [on <endpoint>] <percent> [reason…]`, e.g. `/model canary my-model 10%`"
    )
    if not words:
        raise InvalidInput(f"Name the candidate and its share: {usage}.")
    model_id, rest = words[0].strip("`"), words[1:]
    endpoint = default_endpoint
    if len(rest) >= 2 and rest[0].lower() == "on":
        endpoint, rest = rest[1].strip("`"), rest[2:]
    if not rest:
        raise InvalidInput(f"Say which share of live triages the candidate should serve: {usage}.")
    percent = parse_percent(rest[0])
    return RouteRequest(model_id, endpoint, percent, " ".join(rest[1:]).strip() or None)


def parse_percent(word: str) -> int:
    value = word.rstrip("%")
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise InvalidInput("The canary's share of live triages is a percentage from 1 to 100, e.g. `10%`.")
    return int(value)
