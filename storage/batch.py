"""Group commit: small writes that arrive together share one transaction.

Every `/triage` makes a few one-statement writes (the replay key, the rate-limit counter, the triage
row, its delivery status), each of which its caller must see committed before going on. Alone, each
costs a whole transaction: BEGIN IMMEDIATE, the statement, COMMIT, all queued behind one writer.
Here a write is queued instead; one flusher per database and event loop takes everything queued, runs
it in one transaction and commits, and only then answers each caller. A write alone still gets a
transaction of its own at once; fifty at once share one or two.

The writes are plain functions of a `storage.driver.Runner` running compiled statements: on SQLite
the whole transaction is one call on the driver lane's writer thread, on PostgreSQL one pooled
connection's `run_sync`.

Each caller still learns of its own commit before it acts, so exactly-once and crash-safety are
those of a transaction per write: a kill -9 before the commit loses the whole batch, and no caller
has acted on any of it. A write that raises is answered with its exception and the batch is run
again without it, so one bad write never fails the others. Never call `write` inside
`Database.transaction()`: on SQLite the flusher would wait for the writer lock that caller holds.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from storage.db import Database
from storage.driver import ConnectionRunner, Runner, TransactionRunner

T = TypeVar("T")
Write = Callable[[Runner], T]


@dataclass
class _Queued:
    write: Write[Any]
    answer: asyncio.Future[Any]


@dataclass
class _Outcome:
    results: list[Any] | None = None  # one per write, in order: the batch committed
    failed: int | None = None  # this write raised (its error: `error`); nothing was committed
    error: Exception | None = None
    conflict: bool = False  # lost a deadlock or serialization race; nothing was committed


def _run(runner: Runner, batch: list[_Queued], conflicts: int) -> _Outcome:
    """Every write of `batch` in order, inside the transaction the caller opened; stops at the first
    failure (the caller rolls back)."""
    results: list[Any] = []
    for position, queued in enumerate(batch):
        try:
            results.append(queued.write(runner))
        except Exception as exc:
            if _is_conflict(exc) and conflicts < MAX_CONFLICT_RETRIES:
                return _Outcome(conflict=True)
            return _Outcome(failed=position, error=exc)
    return _Outcome(results=results)


def _in_transaction(runner: TransactionRunner, batch: list[_Queued], conflicts: int) -> _Outcome:
    """The batch in one transaction of `runner`'s: committed when every write succeeded, else rolled
    back (the caller runs it again without the failed write, or whole after a conflict)."""
    runner.begin()
    try:
        outcome = _run(runner, batch, conflicts)
        if outcome.results is None:
            runner.rollback()
        else:
            runner.commit()
    except BaseException:
        runner.rollback()
        raise
    return outcome


@dataclass
class _Batcher:
    # Weak: this batcher is a value of a dictionary keyed weakly by the same Database.
    db_ref: weakref.ref[Database]
    queue: list[_Queued] = field(default_factory=list)
    flusher: asyncio.Task[None] | None = None
    transactions: int = 0  # committed batches, for tests and the benchmark

    async def flush(self) -> None:
        while self.queue:
            batch, self.queue = self.queue, []
            await self._commit(batch)

    async def _attempt(self, batch: list[_Queued], conflicts: int) -> _Outcome:
        db = self.db_ref()
        if db is None:
            raise RuntimeError("the database was closed with writes still queued")
        if db.lane is not None:
            lane = db.lane
            async with db.sqlite_writer():  # in turn with this process's ORM transactions
                return await lane.write(lambda runner: _in_transaction(runner, batch, conflicts))
        async with db.engine.connect() as conn:
            return await conn.run_sync(lambda sync: _in_transaction(ConnectionRunner(sync), batch, conflicts))

    async def _commit(self, batch: list[_Queued]) -> None:
        conflicts = 0
        while batch:
            try:
                outcome = await self._attempt(batch, conflicts)
            except BaseException as exc:  # BEGIN or COMMIT failed (or we were cancelled): all of it
                for queued in batch:
                    _settle(queued.answer, exc=exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
                if not isinstance(exc, Exception):
                    raise
                return
            if outcome.conflict:
                # Batches in two processes locking rows in opposite orders: PostgreSQL aborts one of
                # them. Nothing in it was the write's fault; run it all again.
                conflicts += 1
                continue
            if outcome.failed is not None:
                assert outcome.error is not None
                _settle(batch[outcome.failed].answer, exc=outcome.error)
                del batch[outcome.failed]  # answered with its error; the rest run again without it
                continue
            assert outcome.results is not None
            self.transactions += 1
            for queued, result in zip(batch, outcome.results, strict=True):
                _settle(queued.answer, result=result)
            return


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race, not a rule.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
MAX_CONFLICT_RETRIES = 3


def _is_conflict(exc: Exception) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in CONFLICT_SQLSTATES


def _settle(answer: asyncio.Future[Any], *, result: Any = None, exc: BaseException | None = None) -> None:
    if answer.done():  # the caller was cancelled; the write still happened (or did not) with the rest
        return
    if exc is not None:
        answer.set_exception(exc)
    else:
        answer.set_result(result)


# One batcher per database and event loop (tests run many of both); weak so neither is kept alive.
_batchers: weakref.WeakKeyDictionary[Database, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher]] = (
    weakref.WeakKeyDictionary()
)


def _batcher(db: Database) -> _Batcher:
    loop = asyncio.get_running_loop()
    per_loop = _batchers.get(db)
    if per_loop is None:  # not setdefault: it would build a WeakKeyDictionary on every write
        per_loop = _batchers[db] = weakref.WeakKeyDictionary()
    batcher = per_loop.get(loop)
    if batcher is None:
        batcher = per_loop[loop] = _Batcher(weakref.ref(db))
    return batcher


async def write(db: Database, one_write: Write[T]) -> T:
    """Run `one_write(runner)` in a transaction shared with whatever else is queued; its result once
    committed. `one_write` may run more than once (if another write in its batch fails), so it must
    only issue statements: no effects outside the database. It runs off the event loop on SQLite
    (the lane's writer thread): it must not touch asyncio."""
    batcher = _batcher(db)
    answer: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    batcher.queue.append(_Queued(one_write, answer))
    if batcher.flusher is None or batcher.flusher.done():
        batcher.flusher = asyncio.create_task(batcher.flush(), name="triagebot-group-commit")
    return await answer


def committed_batches(db: Database) -> int:
    """How many group transactions this event loop has committed on `db` (tests, the benchmark)."""
    return _batcher(db).transactions
