"""The eval gate on switch requests: candidate and live model side by side, against the quality bar.

TRIAGE_QUALITY_BAR unset: the candidate must do at least as well as the live model. Set (0..1):
the candidate's pass rate must reach it. Until the candidate's run has finished, or when it fails,
approving needs an override reason, like a candidate below the bar.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from bot.quality.agreement import HumanAgreement, human_agreement
from bot.quality.cost_report import run_cost
from bot.quality.costs import CostFigures, Price
from bot.quality.eval_runs import EvalRunner, RunSummary, run_summary
from bot.quality.evidence import Comparison, RunEvidence, compare, run_evidence
from bot.registry.eval_gate import GateCheck
from bot.registry.views import RequestView
from storage import crud
from storage.db import Database
from storage.models import EvalCase, EvalRun
from storage.statuses import EvalRunStatus, RequestKind

log = logging.getLogger(__name__)
# Requests whose candidate serves customers: a switch, and a canary (its share of live triages).
GATED_KINDS = (RequestKind.SWITCH, RequestKind.CANARY)

NO_CASES, RUNNING, PASSED, BELOW_BAR, FAILED = "no_cases", "running", "passed", "below_bar", "failed"
CLASS_DROP = "class_drop"  # the pass rate is fine, but one class's recall fell too far
DEFAULT_MAX_CLASS_DROP = 0.10


@dataclass(frozen=True)
class GateView:
    state: str
    candidate: RunSummary | None
    live: RunSummary | None
    required: float | None  # the pass rate the candidate needs (None: nothing to compare with)
    absolute_bar: bool  # True: TRIAGE_QUALITY_BAR; False: the live model's pass rate
    # Per-field figures and the paired test, once both runs have finished (None before).
    comparison: Comparison | None = None
    candidate_evidence: RunEvidence | None = None
    live_evidence: RunEvidence | None = None
    # Reviewer against reviewer: the ceiling the models' kappas are read against.
    human: HumanAgreement | None = None
    # Each run's cost per answered case and per passed case (None: not computed).
    live_cost: CostFigures | None = None
    candidate_cost: CostFigures | None = None

    @property
    def needs_override(self) -> bool:
        return self.state in (RUNNING, BELOW_BAR, FAILED, CLASS_DROP)


async def _newest_case_at(db: Database) -> datetime | None:
    """When the active eval set last changed (a case added or corrected): older runs are stale."""
    changed = func.coalesce(col(EvalCase.updated_at), col(EvalCase.created_at))
    async with db.session() as session:
        return (await session.exec(select(func.max(changed)).where(col(EvalCase.retired_at).is_(None)))).one()


async def _latest_finished(db: Database, endpoint: str, model_id: str) -> EvalRun | None:
    """The model's newest finished run: the same ID on another endpoint is another model."""
    async with db.session() as session:
        stmt = (
            select(EvalRun)
            .where(
                col(EvalRun.model_id) == model_id,
                col(EvalRun.endpoint) == endpoint,
                col(EvalRun.status) == EvalRunStatus.FINISHED,
            )
            .order_by(col(EvalRun.id).desc())
            .limit(1)
        )
        return (await session.exec(stmt)).first()


async def _remember(
    db: Database, request_id: int, *, candidate: int | None = None, live: int | None = None
) -> None:
    async with db.transaction() as session:
        request = await crud.get_switch_request(session, request_id)
        if request is None:
            return
        if candidate is not None:
            request.candidate_run_id = candidate
        if live is not None:
            request.live_run_id = live
        session.add(request)


async def run_gate(db: Database, runner: EvalRunner, request: RequestView) -> None:
    """Evaluate the candidate, and the live model too when its last run predates the newest case."""
    assert request.id is not None
    newest_case = await _newest_case_at(db)
    if request.kind not in GATED_KINDS or newest_case is None:
        return
    work = [
        runner.run(
            request.endpoint,
            request.model_id,
            trigger="switch_request",
            requested_by=request.requested_by,
            on_start=lambda run_id: _remember(db, request.id or 0, candidate=run_id),
        )
    ]
    live_model = request.from_model_id
    live_endpoint = request.from_endpoint or request.endpoint
    if live_model:
        last = await _latest_finished(db, live_endpoint, live_model)
        if last is not None and last.started_at >= newest_case:
            await _remember(db, request.id, live=last.id)
        else:
            work.append(
                runner.run(
                    live_endpoint,
                    live_model,
                    trigger="switch_request",
                    requested_by=request.requested_by,
                    on_start=lambda run_id: _remember(db, request.id or 0, live=run_id),
                )
            )
    results = await asyncio.gather(*work, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            log.warning("eval gate run for request #%s failed: %s", request.id, result)


async def gate_view(
    db: Database,
    request: RequestView,
    quality_bar: float | None,
    *,
    categories: list[str] | None = None,
    max_class_drop: float = DEFAULT_MAX_CLASS_DROP,
    prices: Sequence[Price] = (),
) -> GateView | None:
    """Where the gate stands for this request (None: no gate, e.g. a rollback).

    With `categories`, finished runs are also compared field by field: a class whose recall drops
    by more than `max_class_drop` needs the override reason whatever the overall pass rate."""
    if request.kind not in GATED_KINDS:
        return None
    candidate = await run_summary(db, request.candidate_run_id) if request.candidate_run_id else None
    live = await run_summary(db, request.live_run_id) if request.live_run_id else None
    if candidate is None:
        state = NO_CASES if await _newest_case_at(db) is None else RUNNING
        return GateView(state, None, live, quality_bar, quality_bar is not None)
    if candidate.status == EvalRunStatus.FAILED:
        return GateView(FAILED, candidate, live, quality_bar, quality_bar is not None)
    if candidate.status != EvalRunStatus.FINISHED or (
        quality_bar is None and live is not None and live.status == EvalRunStatus.RUNNING
    ):
        return GateView(RUNNING, candidate, live, quality_bar, quality_bar is not None)
    required = quality_bar if quality_bar is not None else (live.pass_rate if live else None)
    rate = candidate.pass_rate or 0.0
    state = PASSED if required is None or rate + 1e-9 >= required else BELOW_BAR
    view = GateView(state, candidate, live, required, quality_bar is not None)
    if categories is None or live is None or live.status != EvalRunStatus.FINISHED:
        return view
    candidate_evidence = await run_evidence(db, candidate.run_id, categories)
    live_evidence = await run_evidence(db, live.run_id, categories)
    comparison = compare(live_evidence, candidate_evidence, max_class_drop)
    if state == PASSED and comparison.class_drops:
        state = CLASS_DROP
    return replace(
        view,
        state=state,
        comparison=comparison,
        candidate_evidence=candidate_evidence,
        live_evidence=live_evidence,
        human=await human_agreement(db, categories),
        # Each run at the prices in force when it ran.
        live_cost=await run_cost(db, prices, live.run_id, live.endpoint, live.model_id, live.started_at),
        candidate_cost=await run_cost(
            db, prices, candidate.run_id, candidate.endpoint, candidate.model_id, candidate.started_at
        ),
    )


def gate_check(
    db: Database, quality_bar: float | None, *, categories: list[str], max_class_drop: float
) -> GateCheck:
    """The gate the registry enforces on every approval, with the per-class rule on."""

    async def check(request: RequestView) -> GateView | None:
        return await gate_view(db, request, quality_bar, categories=categories, max_class_drop=max_class_drop)

    return check
