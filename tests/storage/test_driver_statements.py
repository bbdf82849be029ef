"""The statements run straight through the driver (storage.driver) store exactly what the ORM would:
a row written by the group commit reads back through the ORM field for field, and the queries that
filter on its times (digests, monitors, the rate limit's window) find it."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from bot.limits import TriageLimits, window_start
from bot.outbox.seen import SeenDeliveries
from storage import batch, crud, triages
from storage.db import Database
from storage.driver import Statement
from storage.models import DeliveryStatus, SeenRequest, Triage, UsageCounter

WHEN = datetime(2026, 11, 26, 5, 30, 15, 123456, tzinfo=UTC)


def _row() -> Triage:
    return Triage(
        created_at=WHEN,
        source="command",
        user_id="U0AGENT",
        channel_id="C0SUPPORT",
        input_text="I was charged twice \N{EURO SIGN}",
        endpoint="vllm-eu",
        model_id="ft:gpt-4o-mini:acme:triage:x1",
        prompt_version="triage_v1",
        status="ok",
        urgency="high",
        category="billing",
        summary="Double charge",
        next_step="Refund one",
        response_mode="json_schema",
        latency_ms=412,
        prompt_tokens=120,
        completion_tokens=40,
        delivery_status=DeliveryStatus.PENDING.value,
        arm="live",
    )


def test_a_triage_written_through_the_driver_reads_back_through_the_orm_field_for_field(any_db_url: str) -> None:
    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            written = _row()
            triage_id = await batch.write(db, lambda runner: triages.insert_triage(runner, written))
            await batch.write(
                db, lambda runner: triages.set_delivery_status(runner, triage_id, DeliveryStatus.FALLBACK)
            )
            async with db.session() as session:
                stored = await crud.get_triage(session, triage_id)
                in_range = (
                    await session.exec(
                        select(Triage).where(
                            *triages.of_model_between(
                                (written.endpoint, written.model_id), WHEN, WHEN + timedelta(microseconds=1)
                            )
                        )
                    )
                ).all()
            assert stored is not None
            expected = written.model_dump(exclude={"id"}) | {"delivery_status": "fallback"}
            assert stored.model_dump(exclude={"id"}) == expected
            assert stored.created_at == WHEN  # aware UTC, to the microsecond
            assert [row.id for row in in_range] == [triage_id]  # the digest's range finds it
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_the_rate_limit_counter_and_replay_keys_are_the_rows_the_orm_reads(any_db_url: str) -> None:
    async def scenario() -> None:
        db = Database(any_db_url)
        try:
            limits = TriageLimits(db, per_minute=2)
            await limits.check_triage_allowed("U0AGENT", now=WHEN)
            await limits.check_triage_allowed("U0AGENT", now=WHEN + timedelta(seconds=1))
            assert await SeenDeliveries(db).first_time(["sig:abc"], now=WHEN)
            async with db.session() as session:
                counter = await session.get(UsageCounter, ("triage:U0AGENT", window_start(WHEN)))
                seen = (await session.exec(select(SeenRequest).where(col(SeenRequest.seen_at) == WHEN))).all()
            assert counter is not None and counter.count == 2
            assert [row.key for row in seen] == ["sig:abc"]
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_a_database_disposed_and_used_again_reopens_its_driver_connections(sqlite_url: str) -> None:
    async def scenario() -> None:
        db = Database(sqlite_url)
        try:
            assert await SeenDeliveries(db).first_time(["sig:one"], now=WHEN)
            await db.dispose()
            assert await SeenDeliveries(db).first_time(["sig:two"], now=WHEN)
            assert not await SeenDeliveries(db).first_time(["sig:one"], now=WHEN)
        finally:
            await db.dispose()

    asyncio.run(scenario())


def test_the_hot_reads_never_wait_on_the_event_loop_and_a_busy_database_hands_them_to_the_reader_thread(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hot reads run on the event loop only when SQLite answers at once (its busy timeout there
    is 0); when SQLite says busy, the lane's reader thread asks again and waits if need be."""

    async def scenario() -> None:
        db = Database(sqlite_url)
        try:
            assert db.lane is not None
            assert await SeenDeliveries(db).first_time(["sig:held"], now=WHEN)
            count_seen = Statement(lambda _dialect: text("SELECT count(*) FROM seen_requests"))
            busy_timeout = Statement(lambda _dialect: text("PRAGMA busy_timeout"))
            assert await db.read_rows(count_seen) == [(1,)]
            assert await db.read_rows(busy_timeout) == [(0,)]  # on the loop: never waits for a lock

            busy = sqlite3.OperationalError("database is locked")
            busy.sqlite_errorcode = sqlite3.SQLITE_BUSY

            class Busy:
                def execute(self, *_args: object) -> None:
                    raise busy

            monkeypatch.setattr(db.lane, "_inline_connection", lambda: Busy())
            assert await db.read_rows(count_seen) == [(1,)]  # answered by the reader thread
            assert await db.read_rows(busy_timeout) == [(30_000,)]  # which may wait
        finally:
            await db.dispose()

    asyncio.run(scenario())
