"""Compare a model with a snapshot: the model answers the snapshot's own inputs (recorded as a
snapshot of its own, so an interrupted comparison resumes and a finished one costs nothing again),
then the two are compared offline: the snapshot's model may no longer exist."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.model_client import ModelClient
from bot.quality.metrics import Accuracy, PairedComparison, cohens_kappa, paired_comparison, weighted_kappa
from bot.snapshots import record as recording
from bot.triage import URGENCIES
from storage import snapshots
from storage.db import Database
from storage.models import EvalCase, Snapshot, SnapshotAnswer

DIFFERENCES_SHOWN = 10


@dataclass(frozen=True)
class Difference:
    input_text: str
    reference: str  # "urgency / category" of the snapshot
    other: str


@dataclass(frozen=True)
class SnapshotComparison:
    reference: Snapshot
    other: Snapshot
    urgency: Accuracy  # agreement with the snapshot, not correctness
    category: Accuracy
    urgency_kappa: float | None
    category_kappa: float | None
    differing: int
    differences: list[Difference]
    golden: PairedComparison  # on golden cases: the other model against the snapshot's model


def _labels(answer: SnapshotAnswer) -> str:
    return f"{answer.urgency} / {answer.category}"


async def compare_snapshots(
    db: Database, reference: Snapshot, other: Snapshot, categories: list[str]
) -> SnapshotComparison:
    async with db.session() as session:
        ours = {a.input_hash: a for a in await snapshots.answers(session, reference.id or 0) if a.answered}
        theirs = {a.input_hash: a for a in await snapshots.answers(session, other.id or 0) if a.answered}
        case_ids = [a.case_id for a in ours.values() if a.case_id is not None]
        expected = {
            case.id: (case.expected_urgency, case.expected_category)
            for case in (await session.exec(select(EvalCase).where(col(EvalCase.id).in_(case_ids)))).all()
        }
    shared = [key for key in ours if key in theirs]
    urgency_pairs = [(ours[k].urgency or "", theirs[k].urgency or "") for k in shared]
    category_pairs = [(ours[k].category or "", theirs[k].category or "") for k in shared]
    differing = [k for k in shared if _labels(ours[k]) != _labels(theirs[k])]
    right_before: dict[int, bool] = {}
    right_after: dict[int, bool] = {}
    for key in shared:
        case_id = ours[key].case_id
        if case_id is None or case_id not in expected:
            continue
        want = expected[case_id]
        right_before[case_id] = (ours[key].urgency, ours[key].category) == want
        right_after[case_id] = (theirs[key].urgency, theirs[key].category) == want
    return SnapshotComparison(
        reference=reference,
        other=other,
        urgency=Accuracy(sum(1 for a, b in urgency_pairs if a == b), len(shared)),
        category=Accuracy(sum(1 for a, b in category_pairs if a == b), len(shared)),
        urgency_kappa=weighted_kappa(urgency_pairs, list(URGENCIES)),
        category_kappa=cohens_kappa(category_pairs, categories),
        differing=len(differing),
        differences=[
            Difference(ours[k].input_text, _labels(ours[k]), _labels(theirs[k]))
            for k in differing[:DIFFERENCES_SHOWN]
        ],
        golden=paired_comparison(right_before, right_after),
    )


async def compare_with_model(
    db: Database,
    models: ModelClient,
    reference: Snapshot,
    endpoint: str,
    model_id: str,
    *,
    by: str,
    categories: list[str],
    concurrency: int,
    progress: recording.Progress | None = None,
) -> tuple[SnapshotComparison, recording.Recording]:
    name = f"{model_id} on {endpoint} vs #{reference.id}"[:128]
    async with db.session() as session:
        existing = await snapshots.by_name(session, name)
    if existing is None:
        other, _ = await recording.start(
            db, models, endpoint, model_id, by=by, name=name, inputs_of=reference
        )
    else:
        other = existing
    done = await recording.fill(
        db, models, other, categories=categories, concurrency=concurrency, progress=progress
    )
    return await compare_snapshots(db, reference, done.snapshot, categories), done
