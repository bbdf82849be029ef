"""Record a snapshot: the eval set plus recent live inputs through one model, stored answer by answer
so an interrupted recording resumes without paying again for what is done."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import InvalidInput, ModelError, NotFound
from bot.model_client import ModelClient
from bot.triage import PROMPT_VERSION, answer_model, system_prompt
from storage import eval_cases, snapshots
from storage.db import Database
from storage.models import Snapshot, SnapshotAnswer

log = logging.getLogger(__name__)

DEFAULT_RECENT = 500
Progress = Callable[[int, int], None]


def input_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Recording:
    snapshot: Snapshot
    answered: int
    failed: int  # inputs still without an answer (errors): recording again retries only these
    resumed: bool

    @property
    def complete(self) -> bool:
        return self.snapshot.finished_at is not None


async def start(
    db: Database,
    models: ModelClient,
    endpoint: str,
    model_id: str,
    *,
    by: str,
    recent: int = DEFAULT_RECENT,
    name: str | None = None,
    inputs_of: Snapshot | None = None,
    now: datetime | None = None,
) -> tuple[Snapshot, bool]:
    """The snapshot to fill: an unfinished one of the same model (resumed), or a new one over the
    active eval set and the `recent` newest live inputs, or over exactly `inputs_of`'s inputs."""
    models.endpoint(endpoint)  # unknown endpoint: NotFound before anything is stored
    async with db.transaction() as session:
        unfinished = await snapshots.unfinished_of(session, endpoint, model_id)
        if unfinished is not None and inputs_of is None:
            return unfinished, True
        now = now or datetime.now(UTC)
        name = name or f"{model_id} on {endpoint} {now:%Y-%m-%d %H:%M:%S}"
        if await snapshots.by_name(session, name) is not None:
            raise InvalidInput(f"There is already a snapshot named {name!r}.")
        rows: list[SnapshotAnswer] = []
        if inputs_of is not None:
            for source in await snapshots.answers(session, inputs_of.id or 0):
                rows.append(
                    SnapshotAnswer(
                        snapshot_id=0,
                        input_hash=source.input_hash,
                        input_text=source.input_text,
                        case_id=source.case_id,
                    )
                )
        else:
            cases = (await session.exec(eval_cases.active_cases_query())).all()
            seen = {case.input_text for case in cases}
            for case in cases:
                rows.append(
                    SnapshotAnswer(
                        snapshot_id=0,
                        input_hash=input_hash(case.input_text),
                        input_text=case.input_text,
                        case_id=case.id,
                    )
                )
            for text in await snapshots.recent_live_inputs(session, recent, seen):
                rows.append(SnapshotAnswer(snapshot_id=0, input_hash=input_hash(text), input_text=text))
        unique = {row.input_hash: row for row in rows}
        if not unique:
            raise NotFound("Nothing to record: the eval set is empty and nothing was triaged yet.")
        snapshot = Snapshot(
            name=name,
            endpoint=endpoint,
            model_id=model_id,
            prompt_version=PROMPT_VERSION,
            requested_by=by,
            input_count=len(unique),
            created_at=now,
        )
        session.add(snapshot)
        await session.flush()
        for row in unique.values():
            row.snapshot_id = snapshot.id or 0
            session.add(row)
    return snapshot, False


async def fill(
    db: Database,
    models: ModelClient,
    snapshot: Snapshot,
    *,
    categories: list[str],
    concurrency: int,
    progress: Progress | None = None,
) -> Recording:
    """Ask the model about every input not answered yet, `concurrency` at a time (the model client
    already honours 429s and Retry-After); each answer is committed on its own."""
    assert snapshot.id is not None
    async with db.session() as session:
        pending = await snapshots.answers(session, snapshot.id, only_pending=True)
        done = await snapshots.answered_count(session, snapshot.id)
    total = done + len(pending)
    gate = asyncio.Semaphore(max(1, concurrency))
    schema = answer_model(tuple(categories))
    prompt = system_prompt(tuple(categories))
    failed = 0

    async def one(row: SnapshotAnswer) -> None:
        nonlocal done, failed
        messages = [{"role": "system", "content": prompt}, {"role": "user", "content": row.input_text}]
        async with gate:
            try:
                reply = await models.complete_structured(
                    snapshot.endpoint, snapshot.model_id, messages, schema
                )
            except ModelError as exc:
                row.error = f"{exc.kind}: {exc.user_message}"
                failed += 1
            else:
                answer = reply.answer.model_dump()
                row.answered, row.error = True, None
                row.urgency, row.category = answer["urgency"], answer["category"]
                row.summary, row.latency_ms = answer["summary"], reply.latency_ms
                done += 1
        async with db.transaction() as session:
            session.add(row)
        if progress is not None:
            progress(done, total)

    await asyncio.gather(*(one(row) for row in pending))
    if failed == 0 and snapshot.finished_at is None:
        async with db.transaction() as session:
            snapshot.finished_at = datetime.now(UTC)
            session.add(snapshot)
    log.info("snapshot %s: %d/%d answered, %d failed", snapshot.name, done, total, failed)
    return Recording(snapshot, done, failed, resumed=False)


async def record(
    db: Database,
    models: ModelClient,
    endpoint: str,
    model_id: str,
    *,
    by: str,
    categories: list[str],
    concurrency: int,
    recent: int = DEFAULT_RECENT,
    name: str | None = None,
    inputs_of: Snapshot | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Recording:
    snapshot, resumed = await start(
        db, models, endpoint, model_id, by=by, recent=recent, name=name, inputs_of=inputs_of, now=now
    )
    recording = await fill(
        db, models, snapshot, categories=categories, concurrency=concurrency, progress=progress
    )
    return Recording(recording.snapshot, recording.answered, recording.failed, resumed)
