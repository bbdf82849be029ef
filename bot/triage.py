"""Triage: one customer message in, urgency/category/summary/next step out, every attempt recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, create_model

from bot import log_context
from bot.errors import InvalidInput, ModelError, NotFound
from bot.limits import TriageLimits
from bot.live_load import LiveLoad
from bot.model_client import ModelClient, StructuredReply
from bot.registry.views import DeploymentView
from bot.request_shape import strip_control_chars
from storage import batch, crud, triages
from storage.db import Database
from storage.models import DeliveryStatus, Triage, TriageArm
from storage.statuses import TriageStatus


@dataclass(frozen=True)
class Assignment:
    """Which arm serves one triage: the live model, or a canary's candidate (bot/routing/canary.py)."""

    arm: TriageArm
    canary_id: int | None = None  # None: no canary running
    endpoint: str | None = None  # the candidate's, when the arm is the candidate
    model_id: str | None = None
    # False when the same read found no shadow running: the answer need not be offered to one.
    shadowing: bool = True


LIVE_ONLY = Assignment(TriageArm.LIVE)


class ArmRouter(Protocol):
    """Chooses the arm of a triage; the routing domain implements it (CanaryRouter)."""

    async def assign(self, live: DeploymentView, key: str) -> Assignment: ...


URGENCIES = ("low", "medium", "high", "critical")
PROMPT_VERSION = "triage_v1"


class TriageAnswerBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


@cache
def answer_model(categories: tuple[str, ...]) -> type[TriageAnswerBase]:
    """The strict output schema; categories come from configuration, hence built at run time."""
    return create_model(
        "TriageAnswer",
        __base__=TriageAnswerBase,
        # A Literal of values known only at run time: pydantic builds it, mypy cannot follow it.
        urgency=(Literal[URGENCIES], ...),  # type: ignore[arg-type]
        category=(Literal[categories], ...),  # type: ignore[arg-type]
        summary=(str, Field(min_length=1)),
        next_step=(str, Field(min_length=1)),
    )


@cache
def system_prompt(categories: tuple[str, ...], version: str = PROMPT_VERSION) -> str:
    template = resources.files("bot.prompts").joinpath(f"{version}.md").read_text(encoding="utf-8")
    return template.replace("{categories}", ", ".join(categories))


@dataclass(frozen=True)
class TriageResult:
    triage_id: int
    endpoint: str
    model_id: str
    urgency: str
    category: str
    summary: str
    next_step: str
    latency_ms: int

    @classmethod
    def from_row(cls, row: Triage) -> TriageResult:
        """A successful, stored triage as listeners show it."""
        assert row.id is not None
        return cls(
            triage_id=row.id,
            endpoint=row.endpoint,
            model_id=row.model_id,
            urgency=row.urgency or "",
            category=row.category or "",
            summary=row.summary or "",
            next_step=row.next_step or "",
            latency_ms=row.latency_ms or 0,
        )


@dataclass(frozen=True)
class TriageOutcome:
    """One recorded attempt: its row, and either the result or the model's failure to show instead."""

    triage_id: int
    result: TriageResult | None
    error: ModelError | None
    shadowing: bool = True  # a shadow may want this answer (the arm's read found one running)


def text_key(text: str) -> str:
    """A canary's sticky key for a pasted customer message: the same words, whatever the case or spacing."""
    return "text:" + " ".join(text.casefold().split())


def clean_input(text: str | None, max_chars: int) -> str:
    """The message as the model will see it, or InvalidInput saying what to do instead."""
    cleaned = strip_control_chars(text or "").strip()
    if not cleaned:
        raise InvalidInput(
            "Paste the customer's message after the command, for example: "
            "`/triage Hi, I was charged twice for my subscription this month`"
        )
    if len(cleaned) > max_chars:
        raise InvalidInput(
            f"That message is {len(cleaned):,} characters long; the limit is {max_chars:,} "
            "(TRIAGE_MAX_INPUT_CHARS). Paste just the customer's own words and try again."
        )
    return cleaned


class TriageService:
    limits: TriageLimits | None = None  # the per-user rate limit (bot.limits), set by build_services
    router: ArmRouter | None = None  # which arm serves a triage (bot.routing.canary), set by build_services
    candidate_budget: float | None = None  # seconds a canary's candidate may take (TRIAGE_MODEL_TIMEOUT)
    # Called with the canary's id after each triage its candidate served or failed (the abort check).
    on_candidate_triage: Callable[[int], None] | None = None

    def __init__(
        self, db: Database, models: ModelClient, *, categories: list[str], max_input_chars: int
    ) -> None:
        self.db = db
        self.models = models
        self.categories = tuple(categories)
        self.max_input_chars = max_input_chars
        # Agents' requests being answered (counted by the Slack layer around each one): the shadow
        # mirror waits for a lull in them.
        self.load = LiveLoad()

    def clean(self, text: str | None) -> str:
        return clean_input(text, self.max_input_chars)

    async def run(
        self,
        text: str,
        deployment: DeploymentView,
        *,
        source: str,
        user_id: str | None = None,
        channel_id: str | None = None,
        sticky_key: str | None = None,
    ) -> TriageOutcome:
        """Run the model and record the attempt, delivery pending; a model failure is returned, not raised.

        During a canary the ticket's arm (sticky by `sticky_key`, else by the normalized text) picks
        the model; a candidate that fails hands the triage to the live model and the failure is
        recorded against the candidate."""
        if self.limits is not None and user_id:
            await self.limits.check_triage_allowed(user_id)  # before any model call or row
        messages = [
            {"role": "system", "content": system_prompt(self.categories)},
            {"role": "user", "content": text},
        ]
        row = self._row(text, deployment, source=source, user_id=user_id, channel_id=channel_id)
        row.delivery_status = DeliveryStatus.PENDING.value
        assignment = await self._assign(deployment, sticky_key or text_key(text))
        row.arm, row.canary_id = assignment.arm.value, assignment.canary_id
        try:
            reply = await self._candidate_reply(assignment, messages, row)
            if reply is None:
                reply = await self.models.complete_structured(
                    deployment.endpoint, deployment.model_id, messages, answer_model(self.categories)
                )
        except ModelError as exc:
            row.error_kind = exc.kind
            row.error_message = exc.user_message
            triage_id = await self._add(row)
            self._candidate_counted(row)
            # Shown to the agent rather than raised, but for the request's log line still a failure.
            log_context.note(outcome="error", error=exc.kind)
            return TriageOutcome(triage_id, None, exc, assignment.shadowing)
        answer = reply.answer.model_dump()  # the answer model's fields are built at run time
        row.status = TriageStatus.OK
        row.urgency = answer["urgency"]
        row.category = answer["category"]
        # Model text is stored and shown: the same control characters as in input must go (PostgreSQL
        # refuses NUL outright, which would lose the whole triage).
        row.summary = strip_control_chars(answer["summary"])
        row.next_step = strip_control_chars(answer["next_step"])
        row.latency_ms = reply.latency_ms
        row.prompt_tokens = reply.prompt_tokens
        row.completion_tokens = reply.completion_tokens
        row.response_mode = reply.response_mode
        triage_id = await self._add(row)
        self._candidate_counted(row)
        return TriageOutcome(triage_id, TriageResult.from_row(row), None, assignment.shadowing)

    async def _assign(self, deployment: DeploymentView, key: str) -> Assignment:

        return LIVE_ONLY if self.router is None else await self.router.assign(deployment, key)

    async def _candidate_reply(
        self, assignment: Assignment, messages: list[dict[str, str]], row: Triage
    ) -> StructuredReply | None:
        """The canary candidate's answer (the row then names it), or None: the live model answers.

        A candidate failure (error, timeout, off-schema) is the candidate's, never the agent's: the
        row keeps it as `candidate_error` on the fallback arm, and the live model is asked instead."""
        if assignment.arm is not TriageArm.CANDIDATE or not assignment.endpoint or not assignment.model_id:
            return None
        try:
            # One attempt's time at most: the agent still has the live model's whole budget after it.
            async with asyncio.timeout(self.candidate_budget):
                reply = await self.models.complete_structured(
                    assignment.endpoint, assignment.model_id, messages, answer_model(self.categories)
                )
        except (ModelError, TimeoutError) as exc:
            kind = exc.kind if isinstance(exc, ModelError) else "timeout"
            row.arm, row.candidate_error = TriageArm.FALLBACK.value, kind
            return None
        row.endpoint, row.model_id = assignment.endpoint, assignment.model_id
        return reply

    def _candidate_counted(self, row: Triage) -> None:
        if row.canary_id is not None and row.arm != TriageArm.LIVE and self.on_candidate_triage:
            self.on_candidate_triage(row.canary_id)

    async def record_interrupted(
        self,
        text: str,
        deployment: DeploymentView,
        *,
        source: str,
        user_id: str | None = None,
        channel_id: str | None = None,
    ) -> int:
        """The process had to stop before the model answered: keep the request, so nothing acked is lost."""
        row = self._row(text, deployment, source=source, user_id=user_id, channel_id=channel_id)
        row.error_kind = "interrupted"
        row.error_message = "The bot restarted before the model answered."
        row.delivery_status = DeliveryStatus.INTERRUPTED.value
        return await self._add(row)

    async def record_delivery(self, triage_id: int, status: DeliveryStatus) -> None:
        log_context.note(delivery=status.value)
        await batch.write(self.db, lambda runner: triages.set_delivery_status(runner, triage_id, status))

    async def recent(self, user_id: str, limit: int = 10) -> list[Triage]:
        """An agent's own latest triages, newest first (`/triage history`, App Home)."""
        async with self.db.session() as session:
            return await triages.recent_for_user(session, user_id, limit)

    def _row(
        self,
        text: str,
        deployment: DeploymentView,
        *,
        source: str,
        user_id: str | None,
        channel_id: str | None,
    ) -> Triage:
        return Triage(
            source=source,
            user_id=user_id,
            channel_id=channel_id,
            input_text=text,
            endpoint=deployment.endpoint,
            model_id=deployment.model_id,
            prompt_version=PROMPT_VERSION,
            status=TriageStatus.FAILED,
        )

    async def _add(self, row: Triage) -> int:
        # Committed (in a group commit with concurrent writes) before anyone is shown its id.
        row.id = await batch.write(self.db, lambda runner: triages.insert_triage(runner, row))
        return row.id

    async def result(self, triage_id: int) -> TriageResult:
        """A recorded successful triage, for re-rendering (share in channel, reviews)."""
        async with self.db.session() as session:
            row = await crud.get_triage(session, triage_id)
        if row is None or row.status != TriageStatus.OK:
            raise NotFound("That triage result no longer exists. Run `/triage` again.")
        return TriageResult.from_row(row)
