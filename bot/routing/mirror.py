"""Mirroring one live triage to the shadow candidate, after the agent has their answer.

Runs in its own background task: nothing here can delay, fail or change a live triage. The
candidate gets the live triage's exact prompt and input; its answer, latency, tokens or error are
stored beside the live row (a pair). The daily cap is counted in the database, so all processes
together never make more than TRIAGE_SHADOW_DAILY_CALLS candidate calls a UTC day.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from bot import log_context
from bot.errors import ModelError
from bot.live_load import LiveLoad
from bot.model_client import ModelClient
from bot.request_shape import strip_control_chars
from bot.triage import answer_model, system_prompt
from storage import crud, routing
from storage.db import Database
from storage.driver import in_session
from storage.models import ShadowPair, ShadowPairStatus, ShadowRoute, Triage, TriageArm
from storage.statuses import TriageStatus
from storage.usage import count_use

log = logging.getLogger(__name__)

CAP_KEY = "shadow:calls"


class Mirrored(StrEnum):
    """What became of one live triage, for logs and tests."""

    NO_SHADOW = "no_shadow"  # nothing is being shadowed, or the live triage has nothing to compare
    NOT_SAMPLED = "not_sampled"
    CAPPED = "capped"  # sampled, but the day's cap was reached
    RECORDED = "recorded"
    CANDIDATE_FAILED = "candidate_failed"  # recorded, as an error
    ALREADY = "already"  # this triage already has its pair


# Candidate calls one process makes at once. The shadow runs beside live traffic on the same cores:
# under a burst, a hundred mirrors at once would take the CPU the agents' triages need (issue 10: the
# live path within 10% of routing off). The others wait their turn in their tasks (tracked, so a
# shutdown drains them too): none is dropped, only later.
MIRROR_CONCURRENCY = 4
# And each of those waits for a lull in live triages first (bot.live_load), this long at most: a
# burst of agents' triages is not slowed by its own mirrors, and steady traffic only delays them.
MIRROR_MAX_WAIT_SECONDS = 30.0


def day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class ShadowMirror:
    def __init__(
        self,
        db: Database,
        models: ModelClient,
        *,
        categories: list[str],
        daily_cap: int,
        sample: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        concurrency: int = MIRROR_CONCURRENCY,
        live_load: LiveLoad | None = None,
        max_wait: float = MIRROR_MAX_WAIT_SECONDS,
    ) -> None:
        self.db, self.models = db, models
        self.categories = tuple(categories)
        self.daily_cap = daily_cap
        self.sample, self.clock = sample, clock
        self.concurrency = concurrency
        self.live_load, self.max_wait = live_load, max_wait
        # One semaphore per event loop: an asyncio primitive belongs to the loop it was first used in.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slot = self._slots.get(loop)
        if slot is None:
            slot = self._slots[loop] = asyncio.Semaphore(self.concurrency)
        return slot

    async def mirror(self, triage_id: int) -> Mirrored:
        """Offer one live triage to the shadow candidate, once a slot is free (see MIRROR_CONCURRENCY)
        and live triages allow (MIRROR_MAX_WAIT_SECONDS)."""
        async with self._slot():
            if self.live_load is not None:
                await self.live_load.lull(self.max_wait)
            return await self._mirror(triage_id)

    async def _mirror(self, triage_id: int) -> Mirrored:
        async with self.db.session() as session:
            route = await routing.active_route(session)
            live = await crud.get_triage(session, triage_id) if route is not None else None
        if route is None or live is None or live.status != TriageStatus.OK:
            return Mirrored.NO_SHADOW  # a failed live triage has no answer to compare with
        if (live.endpoint, live.model_id) == (route.endpoint, route.model_id):
            return Mirrored.NO_SHADOW  # the candidate went live since: it would only compare with itself
        if live.arm == TriageArm.CANDIDATE:
            return Mirrored.NO_SHADOW  # a canary's candidate answered it: a pair compares with the live model
        if self.sample() * 100 >= route.percent:
            return Mirrored.NOT_SAMPLED
        if not await self._within_cap(route):
            return Mirrored.CAPPED
        pair = await self._ask_candidate(route, live)
        try:
            async with self.db.transaction() as session:
                await routing.add_pair(session, pair)
        except IntegrityError:
            return Mirrored.ALREADY
        return Mirrored.RECORDED if pair.status == ShadowPairStatus.OK else Mirrored.CANDIDATE_FAILED

    async def _within_cap(self, route: ShadowRoute) -> bool:
        assert route.id is not None
        async with self.db.transaction() as session:
            start = day_start(self.clock())
            used = await in_session(session, lambda runner: count_use(runner, CAP_KEY, start))
            if used <= self.daily_cap:
                return True
            await routing.add_skipped_by_cap(session, route.id)
        return False

    async def _ask_candidate(self, route: ShadowRoute, live: Triage) -> ShadowPair:
        assert route.id is not None and live.id is not None
        pair = ShadowPair(
            route_id=route.id,
            triage_id=live.id,
            endpoint=route.endpoint,
            model_id=route.model_id,
            status=ShadowPairStatus.FAILED,
        )
        # The same prompt (by the live row's version) and the same cleaned input as the live call.
        messages = [
            {"role": "system", "content": system_prompt(self.categories, live.prompt_version)},
            {"role": "user", "content": live.input_text},
        ]
        # The model client notes the model it called in the request's log line: that line is the
        # live triage's, so the candidate's call gets a record of its own.
        log_context.open_record({})
        try:
            reply = await self.models.complete_structured(
                route.endpoint, route.model_id, messages, answer_model(self.categories)
            )
        except ModelError as exc:
            pair.error_kind, pair.error_message = exc.kind, exc.user_message
            return pair
        answer = reply.answer.model_dump()  # the answer model's fields are built at run time
        pair.status = ShadowPairStatus.OK
        pair.urgency = answer["urgency"]
        pair.category = answer["category"]
        pair.summary = strip_control_chars(answer["summary"])
        pair.next_step = strip_control_chars(answer["next_step"])
        pair.latency_ms = reply.latency_ms
        pair.prompt_tokens, pair.completion_tokens = reply.prompt_tokens, reply.completion_tokens
        return pair


async def mirror_quietly(mirror: ShadowMirror, triage_id: int) -> None:
    """The background task's body: whatever goes wrong is one log line, never a traceback."""
    try:
        outcome = await mirror.mirror(triage_id)
    except Exception as exc:  # the shadow must never surface anywhere but its own log line
        log.warning("shadow mirror of triage #%d failed: %s", triage_id, type(exc).__name__)
        return
    log.info("shadow mirror of triage #%d: %s", triage_id, outcome.value)
