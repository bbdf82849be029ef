"""Eval runs: every golden case against one model, with bounded concurrency, one check per case."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func
from sqlmodel import col, select

from bot.errors import ModelError, NotAllowed, NotFound
from bot.model_client import ModelClient
from bot.quality.stats import percentiles, ratio
from bot.registry.approvers import Approvers
from bot.registry.model_ids import validate_model_id
from bot.settings import DEFAULT_ENDPOINT
from bot.triage import answer_model, system_prompt
from storage import crud, eval_cases
from storage.db import Database
from storage.models import EvalCase, EvalRun, QualityCheck
from storage.statuses import EvalRunStatus, QualityCheckKind

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    endpoint: str
    model_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    cases: int
    passed: int
    urgency_matches: int
    category_matches: int
    errors: int
    latency_p50_ms: int | None
    latency_p95_ms: int | None

    @property
    def pass_rate(self) -> float | None:
        return ratio(self.passed, self.cases)

    @property
    def urgency_accuracy(self) -> float | None:
        return ratio(self.urgency_matches, self.cases)

    @property
    def category_accuracy(self) -> float | None:
        return ratio(self.category_matches, self.cases)


class EvalRunner:
    def __init__(self, db: Database, models: ModelClient, *, categories: list[str], concurrency: int) -> None:
        self.db = db
        self.models = models
        self.categories = tuple(categories)
        self.concurrency = concurrency

    async def run(
        self,
        endpoint: str,
        model_id: str,
        *,
        trigger: str,
        requested_by: str | None = None,
        progress: Progress | None = None,
        now: datetime | None = None,
        on_start: Callable[[int], Awaitable[None]] | None = None,
    ) -> RunSummary:
        """Run the whole eval set; a case the model fails on is stored as an error, never dropped."""
        self.models.endpoint(endpoint)  # unknown endpoint: NotFound before anything is recorded
        async with self.db.session() as session:
            cases = list((await session.exec(eval_cases.active_cases_query())).all())
        if not cases:
            raise NotFound(
                "The eval set is empty. Import golden cases with `triagebot eval import FILE.jsonl`, "
                'or add reviewed triages with their "Add to eval set" button.'
            )
        run = EvalRun(
            endpoint=endpoint,
            model_id=model_id,
            trigger=trigger,
            requested_by=requested_by,
            case_count=len(cases),
            started_at=now or datetime.now(UTC),
        )
        async with self.db.transaction() as session:
            session.add(run)
            await session.flush()
        assert run.id is not None
        if on_start is not None:
            await on_start(run.id)
        log.info("eval run %s: %d cases against %s on %s", run.id, len(cases), model_id, endpoint)
        try:
            await self._run_cases(run, cases, progress)
        except BaseException:
            await self._finish(run.id, EvalRunStatus.FAILED)
            raise
        await self._finish(run.id, EvalRunStatus.FINISHED)
        return await run_summary(self.db, run.id)

    async def _run_cases(self, run: EvalRun, cases: list[EvalCase], progress: Progress | None) -> None:
        limit = asyncio.Semaphore(self.concurrency)
        done = 0

        async def one(case: EvalCase) -> None:
            nonlocal done
            async with limit:
                check = await self._check(run, case)
            async with self.db.transaction() as session:
                session.add(check)
            done += 1
            if progress is not None:
                progress(done, len(cases))

        await asyncio.gather(*(one(case) for case in cases))

    async def _check(self, run: EvalRun, case: EvalCase) -> QualityCheck:
        check = QualityCheck(
            kind=QualityCheckKind.EVAL,
            endpoint=run.endpoint,
            model_id=run.model_id,
            run_id=run.id,
            case_id=case.id,
            passed=False,
            urgency_match=False,
            category_match=False,
            # What the case expected at the time: a later correction must not rewrite old verdicts.
            expected_urgency=case.expected_urgency,
            expected_category=case.expected_category,
        )
        messages = [
            {"role": "system", "content": system_prompt(self.categories)},
            {"role": "user", "content": case.input_text},
        ]
        try:
            reply = await self.models.complete_structured(
                run.endpoint, run.model_id, messages, answer_model(self.categories)
            )
        except ModelError as exc:
            check.error = f"{exc.kind}: {exc.user_message}"
            return check
        except Exception as exc:  # one broken case must not lose the other cases' results
            log.exception("eval case %s failed unexpectedly", case.id)
            check.error = f"unexpected: {type(exc).__name__}"
            return check
        answer = reply.answer.model_dump()
        check.output = answer
        check.latency_ms = reply.latency_ms
        check.prompt_tokens = reply.prompt_tokens
        check.completion_tokens = reply.completion_tokens
        check.urgency_match = answer["urgency"] == case.expected_urgency
        check.category_match = answer["category"] == case.expected_category
        check.passed = bool(check.urgency_match and check.category_match)
        return check

    async def _finish(self, run_id: int, status: str) -> None:
        async with self.db.transaction() as session:
            counts = (
                await session.exec(
                    select(
                        func.count(),
                        func.coalesce(func.sum(sql_case((col(QualityCheck.passed), 1), else_=0)), 0),
                        func.count(col(QualityCheck.error)),
                    ).where(col(QualityCheck.run_id) == run_id)
                )
            ).one()
            run = await session.get(EvalRun, run_id)
            assert run is not None
            if status == EvalRunStatus.FINISHED and counts[0] and int(counts[2]) == int(counts[0]):
                # No case got an answer: that says nothing of the model's quality (an unknown model,
                # an endpoint down), so it must not read as 0% in digests, gates or the CLI.
                status = EvalRunStatus.FAILED
            run.status = status
            run.finished_at = datetime.now(UTC)
            run.passed_count = int(counts[1])
            run.error_count = int(counts[2])
            if status == EvalRunStatus.FAILED:
                run.case_count = int(counts[0])
            session.add(run)


async def run_summary(db: Database, run_id: int) -> RunSummary:
    """Figures of one run, aggregated by the database."""
    async with db.session() as session:
        run = await session.get(EvalRun, run_id)
        if run is None:
            raise NotFound(f"There is no eval run #{run_id}.")
        where = [col(QualityCheck.run_id) == run_id]
        urgency_match, category_match = col(QualityCheck.urgency_match), col(QualityCheck.category_match)
        row = (
            await session.exec(
                # sqlmodel types select() for up to four columns; SQLAlchemy takes any number.
                select(  # type: ignore[call-overload]
                    func.count(),
                    func.coalesce(func.sum(sql_case((col(QualityCheck.passed), 1), else_=0)), 0),
                    func.coalesce(func.sum(sql_case((urgency_match.is_(True), 1), else_=0)), 0),
                    func.coalesce(func.sum(sql_case((category_match.is_(True), 1), else_=0)), 0),
                    func.count(col(QualityCheck.error)),
                ).where(*where)
            )
        ).one()
        p50, p95 = await percentiles(session, col(QualityCheck.latency_ms), where)
    return RunSummary(
        run_id=run_id,
        endpoint=run.endpoint,
        model_id=run.model_id,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        cases=max(run.case_count, int(row[0])),
        passed=int(row[1]),
        urgency_matches=int(row[2]),
        category_matches=int(row[3]),
        errors=int(row[4]),
        latency_p50_ms=p50,
        latency_p95_ms=p95,
    )


async def check_eval_target(
    db: Database,
    models: ModelClient,
    approvers: Approvers | None,
    *,
    user_id: str | None,
    endpoint: str,
    model_id: str,
    now: datetime,
) -> None:
    """Refuse an eval run that would only burn model calls: an ill-formed ID, an unknown endpoint,
    a model the endpoint cannot see; and, from Slack (`approvers` given), a model that is neither
    live nor a pending candidate unless an approver asks."""
    async with db.session() as session:
        live = await crud.get_live_deployment(session)
        pending = await crud.get_pending_requests(session)
    if live is not None and (live.endpoint, live.model_id) == (endpoint, model_id):
        return
    if any((request.endpoint, request.model_id) == (endpoint, model_id) for request in pending):
        return  # checked when the request was opened
    validate_model_id(model_id)
    models.endpoint(endpoint)  # unknown endpoint: NotFound naming the configured ones
    if approvers is not None and not (user_id and await approvers.is_approver(user_id, now)):
        raise NotAllowed(
            "Only approvers can run the eval set against a model that is neither live nor waiting "
            "for approval (each run costs one model call per case). Run `/model eval` for the live "
            "model, or ask for a switch with `/model switch <model-id>`: its eval runs by itself."
        )
    await models.retrieve_model(endpoint, model_id)  # ModelUnknown when this key cannot see it


async def target_deployment(db: Database, model_id: str | None, endpoint: str | None) -> tuple[str, str]:
    """(endpoint, model ID) to evaluate: the live deployment unless told otherwise."""
    async with db.session() as session:
        live = await crud.get_live_deployment(session)
    if model_id:
        return endpoint or (live.endpoint if live else DEFAULT_ENDPOINT), model_id
    if live is None:
        raise NotFound("No model is live yet, so name one: `triagebot eval run --model MODEL_ID`.")
    return endpoint or live.endpoint, live.model_id
