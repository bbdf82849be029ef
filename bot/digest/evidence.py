"""The digest's classification-grade figures: the live model's latest run per class, its kappa with
the reviewers' own beside it, the paired test against the model live before it, the monitor
incidents of the period and what every model call of the period cost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, cast, func
from sqlmodel import col, select

from bot.digest.figures import ClassRecall, Digest
from bot.quality.agreement import human_agreement
from bot.quality.cost_report import spend
from bot.quality.costs import Price
from bot.quality.evidence import run_evidence
from bot.quality.metrics import PairedComparison, paired_comparison
from bot.settings import DEFAULT_CATEGORIES
from storage import incidents, shadow_reads
from storage.db import Database
from storage.models import EvalRun, QualityCheck, ShadowVerdict


async def add_evidence(
    digest: Digest,
    db: Database,
    *,
    categories: Sequence[str] | None,
    prices: Sequence[Price],
    start: datetime,
    end: datetime,
) -> None:
    labels = list(categories or DEFAULT_CATEGORIES)
    if digest.latest is not None:
        digest.evidence = await run_evidence(db, digest.latest.score.run_id, labels)
        before = digest.previous_model_run
        if before is not None:
            previous = await run_evidence(db, before.run_id, labels)
            digest.paired = paired_comparison(previous.passed, digest.evidence.passed)
    digest.human = await human_agreement(db, labels)
    async with db.session() as session:
        if digest.live is not None and digest.previous_model is not None:
            current = (digest.live.endpoint, digest.live.model_id)
            counts = await shadow_reads.judged_pairs(session, digest.previous_model, current)
            if sum(counts.values()) > counts["agree"]:  # at least one judged disagreement
                digest.paired_reviews = PairedComparison(
                    both_right=counts["agree"],  # same labels: unchanged, whichever way
                    fixed=counts.get(ShadowVerdict.CANDIDATE, 0),
                    broken=counts.get(ShadowVerdict.LIVE, 0),
                    both_wrong=counts.get(ShadowVerdict.NEITHER, 0),
                )
        digest.incidents = await incidents.incidents_between(session, start, end)
        digest.spend = await spend(session, prices, start, end, digest.triage_usage)


async def recall_history(db: Database, model: tuple[str, str], since: datetime) -> list[ClassRecall]:
    """Per-class category recall of each finished run of one model since `since`, in one query (the
    chart's second panel). Expected labels are the ones each check was judged by."""
    expected = col(QualityCheck.expected_category)
    stmt = (
        # sqlmodel types select() for up to four columns; SQLAlchemy takes any number.
        select(  # type: ignore[call-overload]
            col(EvalRun.id),
            col(EvalRun.finished_at),
            expected,
            func.count(),
            func.sum(cast(col(QualityCheck.category_match), Integer)),
        )
        .join(EvalRun, col(EvalRun.id) == col(QualityCheck.run_id))
        .where(
            col(EvalRun.endpoint) == model[0],
            col(EvalRun.model_id) == model[1],
            col(EvalRun.status) == "finished",
            col(EvalRun.finished_at) >= since,
            expected.is_not(None),
        )
        .group_by(col(EvalRun.id), col(EvalRun.finished_at), expected)
        .order_by(col(EvalRun.finished_at))
    )
    async with db.session() as session:
        rows = (await session.exec(stmt)).all()
    return [
        ClassRecall(run_id, finished_at, str(label), int(support), int(hits or 0))
        for run_id, finished_at, label, support, hits in rows
        if finished_at is not None
    ]
