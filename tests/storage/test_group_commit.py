"""Group commit (storage.batch): concurrent small writes share transactions, each caller learns of
its own commit, and one failing write never fails the others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import select

from bot.outbox.seen import SeenDeliveries
from storage import batch
from storage.db import Database
from storage.driver import Runner, Statement
from storage.models import SeenRequest

COUNT_SEEN = Statement(lambda _dialect: text("SELECT count(*) FROM seen_requests"))

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def test_fifty_concurrent_replay_keys_share_few_transactions_and_each_caller_gets_its_answer(
    any_db_url: str,
) -> None:
    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            seen = SeenDeliveries(db)
            # 50 distinct keys, each sent twice at once: exactly one of each pair is the first.
            keys = [f"sig:{n}" for n in range(50)] * 2
            answers = await asyncio.gather(*(seen.first_time([key], now=NOW) for key in keys))
            assert sum(answers) == 50
            for n in range(50):
                assert answers[n] != answers[n + 50]
            assert batch.committed_batches(db) < 20  # 100 writes, far fewer transactions
            async with db.session() as session:
                stored = (await session.exec(select(SeenRequest))).all()
            assert len(stored) == 50  # committed before anyone was answered
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_a_failing_write_gets_its_error_and_the_others_in_its_batch_still_commit(any_db_url: str) -> None:
    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            seen = SeenDeliveries(db)

            def broken(runner: Runner) -> None:
                runner.rows(COUNT_SEEN)  # a statement, then a failure mid-batch
                raise ValueError("bad write")

            outcomes = await asyncio.gather(
                seen.first_time(["sig:a"], now=NOW),
                batch.write(db, broken),
                seen.first_time(["sig:b"], now=NOW),
                return_exceptions=True,
            )
            assert outcomes[0] is True and outcomes[2] is True
            assert isinstance(outcomes[1], ValueError)
            assert await seen.first_time(["sig:a"], now=NOW) is False  # a's commit survived b's failure
        finally:
            await db.dispose()

    asyncio.run(scenario())


class _Deadlock(Exception):
    """Shaped like SQLAlchemy's DBAPIError around psycopg's DeadlockDetected."""

    class orig:  # the attribute SQLAlchemy exposes
        sqlstate = "40P01"


def test_a_batch_that_loses_a_deadlock_is_run_again_whole(any_db_url: str) -> None:
    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            seen = SeenDeliveries(db)
            attempts: list[int] = []

            def loses_once(runner: Runner) -> str:
                runner.rows(COUNT_SEEN)
                attempts.append(1)
                if len(attempts) == 1:
                    raise _Deadlock("deadlock detected")
                return "written"

            outcomes = await asyncio.gather(
                seen.first_time(["sig:c"], now=NOW), batch.write(db, loses_once), seen.first_time(["sig:d"], now=NOW)
            )
            assert outcomes == [True, "written", True]
            assert len(attempts) == 2
        finally:
            await db.dispose()

    asyncio.run(scenario())
